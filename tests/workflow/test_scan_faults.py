"""Scanning survives kill -9, a full disk and two stations at once: nothing lost or doubled.

Every test drives the real `ptw scan` in subprocesses on real files (and, for the full
disk, a real small filesystem) and compares the result, by content, with an
uninterrupted scan of the same stack at a second station (`bench.scan_snapshot`).
"""

import csv
import io
import os
import random
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from bench.crash_resume import (
    SAVED_LINE,
    Kill,
    TwinStations,
    prepare_twins,
    run_scan,
    scan_command,
    scan_until_done,
    station_snapshot,
)
from bench.scan_exam_fixture import build_exam, open_station, station_env, write_scans
from bench.scan_snapshot import compare_snapshots, snapshot_exam
from core.models import Page, StudentSheetPage
from scanner.page_store import TEMP_PREFIX
from tests.conftest import POSTGRES_URL
from tests.workflow.ptw_process import REPO_ROOT, run_ptw

pytestmark = pytest.mark.database

KILL_PAGES = 120
"""Pages of the kill -9 stack (60 sheets); `bench.crash_resume` runs 500."""
FULL_DISK_PAGES = 32


@pytest.fixture
def reference_env(tmp_path: Path, postgres_template: str | None) -> Iterator[dict[str, str]]:
    """A second station on a database of its own (SQLite, or a clone of the template)."""
    data = tmp_path / "reference"
    if postgres_template is None:
        yield station_env(data, f"sqlite:///{data / 'ptw.sqlite3'}", "reference-station")
        return
    name = f"ptw_ref_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield station_env(data, POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", "reference-station")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _batches(env: dict[str, str], exam_id: int) -> list[dict[str, str]]:
    done = run_ptw(env, "batch", "status", "--exam", str(exam_id))
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def _assert_same_results(twins: TwinStations) -> None:
    reference = station_snapshot(twins.reference, twins.exam_id)
    actual = station_snapshot(twins.crashed, twins.exam_id)
    assert len(reference.pages) == len(actual.pages) > 0
    assert sum(reference.exceptions.values()) > 0  # the stack has problem sheets
    difference = compare_snapshots(reference, actual)
    assert difference.equal, difference.details


def test_kill_9_at_random_moments_loses_and_doubles_nothing(
        station_env: dict[str, str], reference_env: dict[str, str], tmp_path: Path) -> None:
    twins = prepare_twins(reference_env, station_env, tmp_path, KILL_PAGES, seed=7)
    command = scan_command(twins.exam_id, twins.scans, workers=2)
    scan_until_done(twins.reference, command, [], tmp_path / "reference-logs")
    rng = random.Random(2024)
    kills = [Kill(seconds=rng.uniform(0.1, 1.0)),
             *(Kill(lines=rng.randint(1, 20)) for _ in range(4))]
    log = scan_until_done(twins.crashed, command, kills, tmp_path / "crashed-logs")

    assert log.kills == len(kills) and log.runs[-1].returncode == 0
    assert not any(SAVED_LINE.match(line) for line in log.runs[0].lines)  # the early kill
    assert log.orphans == 0  # the recognition workers of a killed scan end by themselves
    _assert_same_results(twins)
    batches = _batches(twins.crashed, twins.exam_id)
    assert {batch["status"] for batch in batches} == {"finished"}
    assert sum(int(batch["pages"]) for batch in batches) == KILL_PAGES
    assert sum(int(batch["waiting"]) for batch in batches) == 0


def _mount_small_disk(folder: Path, megabytes: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                           str(folder)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def small_disk(station_env: dict[str, str]) -> Iterator[Path]:
    """The station's page store on a 16 MB tmpfs of its own, unmounted afterwards."""
    pages = Path(station_env["PTW_DATA_DIR"]) / "pages"
    _mount_small_disk(pages, 16)
    yield pages
    if subprocess.run(["umount", str(pages)], check=False).returncode != 0:
        subprocess.run(["umount", "-l", str(pages)], check=True)


def _fill(disk: Path, leave: int) -> Path:
    """Fill `disk` so that only about `leave` bytes stay free; returns the filler file."""
    filler = disk / "filler.bin"
    with open(filler, "wb") as stream:
        stream.write(b"\0" * (shutil.disk_usage(disk).free - leave))
    return filler


def test_a_full_disk_pauses_the_scan_and_resumes_after_space_is_freed(
        station_env: dict[str, str], reference_env: dict[str, str], small_disk: Path,
        tmp_path: Path) -> None:
    twins = prepare_twins(reference_env, station_env, tmp_path, FULL_DISK_PAGES, seed=11)
    command = scan_command(twins.exam_id, twins.scans, workers=2)
    scan_until_done(twins.reference, command, [], tmp_path / "reference-logs")
    stack = sorted(twins.scans.glob("*.jpg"))
    filler = _fill(small_disk, sum(path.stat().st_size for path in stack) // 2)

    full = run_scan(twins.crashed, command, None, tmp_path / "full.log")
    saved = [line for line in full.lines if SAVED_LINE.match(line)]
    assert full.returncode == 3, full.stderr
    assert "磁盘空间已满" in full.stderr and "再次运行同一命令" in full.stderr
    assert 0 < len(saved) < FULL_DISK_PAGES
    assert list(small_disk.rglob(f"{TEMP_PREFIX}*")) == []
    paused = station_snapshot(twins.crashed, twins.exam_id)
    stored = list(small_disk.rglob("*.jpg"))
    assert paused.missing_files == frozenset() and len(paused.pages) == len(stored)
    assert len(saved) == len(paused.pages)  # every stored page was also saved
    [batch] = _batches(twins.crashed, twins.exam_id)
    assert batch["status"] == "paused"

    filler.unlink()
    resumed = run_scan(twins.crashed, command, None, tmp_path / "resumed.log")
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_results(twins)
    [batch] = _batches(twins.crashed, twins.exam_id)
    assert (batch["status"], batch["pages"]) == ("finished", str(FULL_DISK_PAGES))


@pytest.mark.postgres_only
def test_two_stations_scan_one_exam_at_once(station_env: dict[str, str],
                                            tmp_path: Path) -> None:
    context = open_station(station_env)
    try:
        exam = build_exam(context, tmp_path / "exam", 24, 150)
    finally:
        context.close()
    shared = exam.students[12]  # first in both stacks, so both claim it at about once
    stacks = {"A": [shared, *exam.students[:12]], "B": [shared, *exam.students[13:]]}
    processes = []
    for seed, (name, numbers) in enumerate(stacks.items(), 1):
        write_scans(exam, tmp_path / f"scans-{name}", numbers, seed)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PTW_")},
               **station_env, "PTW_STATION_NAME": f"station-{name}",
               "PTW_DATA_DIR": str(tmp_path / f"data-{name}")}
        processes.append(subprocess.Popen(
            scan_command(exam.exam_id, tmp_path / f"scans-{name}", 2), env=env,
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr

    context = open_station(station_env)
    try:
        snapshot = snapshot_exam(context, exam.exam_id)
        with context.database.transaction() as session:
            heads = {claim.student_id: claim.page_id for claim in session.scalars(
                select(StudentSheetPage).where(StudentSheetPage.page_number == 1))}
            backs = session.execute(select(StudentSheetPage.student_id, Page.sheet_first_page_id)
                                    .join(Page, StudentSheetPage.page_id == Page.id)
                                    .where(StudentSheetPage.page_number == 2)).all()
    finally:
        context.close()
    assert len(snapshot.pages) == 2 * (len(exam.students) + 1)
    assert set(snapshot.page_rows.values()) == {1}
    assert set(snapshot.claims) == {(n, p) for n in exam.students for p in (1, 2)}
    assert set(snapshot.claim_rows.values()) == {1}
    assert all(heads[student] == first for student, first in backs)  # one sheet each
    [(kind, digest, field)] = list(snapshot.exceptions.elements())
    assert (kind, field) == ("duplicate_student", None)
    assert digest != snapshot.claims[(shared, 1)]  # on the shared student's other front
    assert snapshot.pages[digest] == ("recognised", 1, None)
