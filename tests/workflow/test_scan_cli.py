"""`ptw scan`, `ptw batch status`, `ptw exceptions` as scripts and operators run them."""

import csv
import io
from pathlib import Path

import pytest

from tests.scanner.sane_config import write_sane_config
from tests.workflow.ptw_process import run_ptw
from tests.workflow.scanned_sheets import STUDENTS, ScanExam, answered_sheet, make_scan_exam
from tests.workflow.test_scan_session import SCORES
from workflow.context import AppContext

pytestmark = pytest.mark.database


@pytest.fixture
def exam(context: AppContext, tmp_path: Path) -> ScanExam:
    """The scanning exam in this test's database."""
    return make_scan_exam(context, tmp_path)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_folder_of_scans_is_imported_and_reported(station_env: dict[str, str],
                                                    exam: ScanExam, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for seed, number in enumerate([*STUDENTS[:3], "99999999"]):
        for page in answered_sheet(exam, number, seed, scores=SCORES)[0]:
            (folder / f"scan-{seed}-{page.sequence}.jpg").write_bytes(page.data)
    done = run_ptw(station_env, "scan", "--exam", str(exam.exam_id), "--source",
                   f"file:{folder}", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("第 ") >= 8 and "保存 8 页" in done.stdout
    status = run_ptw(station_env, "batch", "status", "--exam", str(exam.exam_id))
    [batch] = _rows(status.stdout)
    assert (batch["pages"], batch["recognised"], batch["status"]) == ("8", "8", "finished")
    assert "已扫描 3 名学生" in status.stderr and "unknown_student=1" in status.stderr
    listed = _rows(run_ptw(station_env, "exceptions", "list", "--exam",
                           str(exam.exam_id)).stdout)
    assert [row["kind"] for row in listed] == ["unknown_student"]
    assert "99999999" in listed[0]["reason"] and Path(listed[0]["picture"]).is_file()
    resolved = run_ptw(station_env, "exceptions", "resolve", listed[0]["id"], "--value",
                       STUDENTS[5])
    assert resolved.returncode == 0 and "2 页归属学生" in resolved.stdout
    again = run_ptw(station_env, "exceptions", "resolve", listed[0]["id"], "--value",
                    STUDENTS[5])
    assert again.returncode == 2 and "已经处理过" in again.stderr
    export = tmp_path / "results.csv"
    assert run_ptw(station_env, "export", "results", "--exam", str(exam.exam_id), "--out",
                   str(export)).returncode == 0
    scored = {row["学号"]: row for row in _rows(export.read_text(encoding="utf-8-sig"))}
    assert scored[STUDENTS[5]]["28"] == "12" and scored[STUDENTS[0]]["27"] == "7.5"


def test_a_hundred_pages_from_the_sane_test_scanner(station_env: dict[str, str],
                                                    exam: ScanExam, tmp_path: Path) -> None:
    env = {**station_env, "SANE_CONFIG_DIR": str(write_sane_config(tmp_path / "sane.d"))}
    done = run_ptw(env, "scan", "--exam", str(exam.exam_id), "--source", "sane:test",
                   "--feeds", "10", "--dpi", "100", "--workers", "2", timeout=600)
    assert done.returncode == 0, done.stderr
    assert "取得 100 页" in done.stdout and "保存 100 页" in done.stdout
    [batch] = _rows(run_ptw(env, "batch", "status", "--exam", str(exam.exam_id)).stdout)
    assert batch["pages"] == "100"
    assert batch["failed"] == "100"  # the test driver's grid is no answer sheet
    listed = _rows(run_ptw(env, "exceptions", "list", "--exam", str(exam.exam_id)).stdout)
    assert len(listed) == 100 and {row["kind"] for row in listed} == {"unreadable_page"}


@pytest.mark.parametrize(("source", "message"), [("scanner", "缺少类型"),
                                                 ("file:/no/such/folder", "找不到")])
def test_a_bad_source_is_refused_with_a_message(station_env: dict[str, str], exam: ScanExam,
                                                source: str, message: str) -> None:
    done = run_ptw(station_env, "scan", "--exam", str(exam.exam_id), "--source", source)
    assert done.returncode == 2 and message in done.stderr
