"""`ptw omr omrchecker`: walking a folder tree into the long CSV."""

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import BadInputError
from tests.conftest import DATASETS
from workflow import cli
from workflow.omrchecker_import import import_omrchecker_folder, plan_folder

SAMPLES = DATASETS / "omrchecker" / "samples"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PTW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PTW_LANGUAGE", "en")
    return tmp_path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cli_walks_nested_folders_and_survives_a_broken_image(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = env / "sheets"
    shutil.copytree(SAMPLES / "sample5", tree)
    nested = tree / "ScanBatch2" / "late" / "more"
    nested.mkdir(parents=True)
    shutil.copy(tree / "ScanBatch1" / "camscanner-1.jpg", nested / "copy.jpg")
    (tree / "ScanBatch1" / "broken.jpg").write_bytes(b"not a jpeg at all")
    (tree / "ScanBatch1" / "empty.PNG").write_bytes(b"")
    cv2.imwrite(str(tree / "ScanBatch1" / "dot.png"), np.zeros((1, 1), dtype=np.uint8))
    out = env / "out" / "results.csv"

    status = cli.main(["omr", "omrchecker", str(tree), "--out", str(out)])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "ScanBatch1/broken.jpg" in captured.err and "cannot be read" in captured.err
    assert "ScanBatch1/empty.PNG" in captured.err and "ScanBatch1/dot.png" in captured.err
    assert "Read 6 sheets (3 could not be read)" in captured.out
    rows = _rows(out)
    assert list(rows[0]) == ["image", "field", "value"]
    images = sorted({r["image"] for r in rows})
    assert images == ["ScanBatch1/broken.jpg", "ScanBatch1/camscanner-1.jpg",
                      "ScanBatch1/dot.png", "ScanBatch1/empty.PNG",
                      "ScanBatch2/camscanner-2.jpg", "ScanBatch2/late/more/copy.jpg"]
    assert "omr_marker.jpg" not in {Path(i).name for i in images}  # the marker is no sheet
    value = {(r["image"], r["field"]): r["value"] for r in rows}
    assert value[("ScanBatch1/camscanner-1.jpg", "Roll")] == "E204420102"
    assert value[("ScanBatch2/late/more/copy.jpg", "Roll")] == "E204420102"
    assert value[("ScanBatch2/camscanner-2.jpg", "q6")] == "01"
    broken = [r for r in rows if r["image"] == "ScanBatch1/broken.jpg"]
    assert len(broken) == 23 and all(r["value"] == "" for r in broken)
    assert all(r["value"] == "" for r in rows if r["image"].endswith(("dot.png", "empty.PNG")))
    assert [r["field"] for r in broken][:3] == ["Roll", "q1", "q2"]


def test_sub_folder_with_its_own_template_uses_it(env: Path) -> None:
    tree = env / "mixed"
    shutil.copytree(SAMPLES / "sample3", tree)  # templates only in the two sub-folders
    plan = plan_folder(tree)
    assert [p.relative_to(tree).as_posix() for p, _ in plan] == [
        "colored-thick-sheet/rgb-100-gsm.jpg", "xeroxed-thin-sheet/grayscale-80-gsm.jpg"]
    assert plan[0][1].template.path != plan[1][1].template.path
    assert plan[0][1].config.processing_size == (666, 820)


def test_folder_without_any_template_exits_2(env: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (env / "empty").mkdir()
    shutil.copy(SAMPLES / "sample5" / "ScanBatch1" / "camscanner-1.jpg", env / "empty")
    status = cli.main(["omr", "omrchecker", str(env / "empty"), "--out",
                       str(env / "x.csv")])
    assert status == 2
    assert "template.json" in capsys.readouterr().err
    assert not (env / "x.csv").exists()


def test_malformed_template_stops_before_writing(env: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    tree = env / "bad"
    shutil.copytree(SAMPLES / "sample2", tree)
    (tree / "AdrianSample" / "template.json").write_text('{"pageDimensions": [300]}')
    status = cli.main(["omr", "omrchecker", str(tree), "--out", str(env / "x.csv")])
    err = capsys.readouterr().err
    assert status == 2 and "pageDimensions" in err and "template.json" in err
    assert not (env / "x.csv").exists()
    with pytest.raises(BadInputError):
        import_omrchecker_folder(tree, env / "y.csv")


def test_chinese_is_the_default_language(env: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PTW_LANGUAGE")
    status = cli.main(["omr", "omrchecker", str(env), "--out", str(env / "x.csv")])
    assert status == 2 and "没有 template.json" in capsys.readouterr().err
