"""Killing `ptw scan` at random moments loses no page and doubles none.

`python -m bench.crash_resume --runs 5 --pages 500 [--seed 1] [--kills 3]`: for each run,
two fresh stations (own data folder and SQLite database) get the same exam and read the
same folder of answered sheets. The reference station scans it once; the other is
killed with SIGKILL (`kill -9`) `--kills` times, each at a random moment (after a random
number of saved-page lines, or a random number of seconds after start: chosen by the
seed), and started again each time until a run exits 0. Then both databases are compared
by content (`bench.scan_snapshot`). The last line is JSON: `lost`, `doubled`,
`mismatched` (totals over the runs; all must be 0), `runs`, `pages`, `kills` (kills that
landed before the process finished by itself) and `orphans` (processes of a killed scan,
e.g. recognition workers, still alive 15 s after the kill; must be 0).

Only the scanning process is killed, as a crash would; its recognition workers must
notice and end by themselves. Each scan runs in its own session so they can be found.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.scan_exam_fixture import (
    BenchExam,
    build_exam,
    open_station,
    sheets_for,
    station_env,
    write_scans,
)
from bench.scan_snapshot import (
    ExamSnapshot,
    SnapshotDifference,
    compare_snapshots,
    snapshot_exam,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SAVED_LINE = re.compile(r"^第 \d+ 页：")
"""How `ptw scan` (in Chinese) reports a page whose result is committed."""
ORPHAN_GRACE_SECONDS = 15.0
UNKNOWN_NUMBER = "99999999"
DPI = 150


@dataclass(frozen=True)
class Kill:
    """When to kill a scan: once `lines` saved pages were reported, or `seconds` after start."""

    lines: int | None = None
    seconds: float | None = None


@dataclass
class ScanRun:
    """One `ptw scan` process: whether it was killed, what it said and left behind."""

    returncode: int
    killed: bool
    lines: list[str]
    stderr: str
    orphans: int = 0


@dataclass
class ResumeLog:
    """Every process of a scan that was killed and started again until it finished."""

    runs: list[ScanRun] = field(default_factory=list)

    @property
    def kills(self) -> int:
        """Kills that landed before the process ended by itself."""
        return sum(run.killed for run in self.runs)

    @property
    def orphans(self) -> int:
        """Processes of killed scans that outlived them."""
        return sum(run.orphans for run in self.runs)


def scan_command(exam_id: int, folder: Path, workers: int) -> list[str]:
    """`ptw scan` of a folder of files, as a command line."""
    return [sys.executable, "-m", "app.entry", "scan", "--exam", str(exam_id), "--source",
            f"file:{folder}", "--workers", str(workers)]


def run_scan(env: dict[str, str], command: list[str], kill: Kill | None, log: Path) -> ScanRun:
    """Run `command` with the station `env`; SIGKILL it at `kill` (None: let it finish)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PTW_")}
    full_env.update(env, PYTHONUNBUFFERED="1")
    with open(log, "w+", encoding="utf-8") as stderr:
        process = subprocess.Popen(command, env=full_env, cwd=REPO_ROOT, text=True,
                                   encoding="utf-8", stdout=subprocess.PIPE, stderr=stderr,
                                   start_new_session=True)
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
        reader.start()
        seen, reached = _watch(lines, kill or Kill())
        orphans = 0
        if reached and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            orphans = reap_session(process.pid, ORPHAN_GRACE_SECONDS)
            killed = True
        else:
            process.wait()
            killed = False
        reader.join(timeout=ORPHAN_GRACE_SECONDS)
        seen += _drain(lines)
        stderr.seek(0)
        return ScanRun(process.returncode, killed, seen, stderr.read(), orphans)


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _watch(lines: queue.Queue[str | None], kill: Kill) -> tuple[list[str], bool]:
    """Collect output until the kill moment (True) or the end of the output (False)."""
    seen: list[str] = []
    saved = 0
    deadline = None if kill.seconds is None else time.monotonic() + kill.seconds
    while kill.lines is None or saved < kill.lines:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            return seen, True
        if line is None:
            return seen, False
        seen.append(line)
        saved += bool(SAVED_LINE.match(line))
    return seen, True


def _drain(lines: queue.Queue[str | None]) -> list[str]:
    rest = []
    while True:
        try:
            line = lines.get_nowait()
        except queue.Empty:
            return rest
        if line is not None:
            rest.append(line)


def session_members(session_id: int) -> set[int]:
    """Living (not zombie) processes of a session, from /proc; empty without /proc."""
    members = set()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.add(int(entry.name))
    return members


def reap_session(session_id: int, grace: float) -> int:
    """Wait up to `grace` s for what is left of a killed session to end by itself.

    Returns how many processes did not (they are then killed, so nothing leaks). Waits on
    pidfds, not by polling; where there are none (not Linux) nothing is waited for.
    """
    if not hasattr(os, "pidfd_open"):
        return 0
    handles = {}
    for pid in session_members(session_id):
        with contextlib.suppress(ProcessLookupError):
            handles[pid] = os.pidfd_open(pid)
    alive = set(handles)
    deadline = time.monotonic() + grace
    try:
        while alive and (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([handles[pid] for pid in alive], [], [], remaining)
            alive -= {pid for pid in alive if handles[pid] in ready}
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        for handle in handles.values():
            os.close(handle)
    return len(alive)


def scan_until_done(env: dict[str, str], command: list[str], kills: list[Kill], logs: Path
                    ) -> ResumeLog:
    """Run the scan, killing it at each of `kills` in turn, then once more to the end.

    Stops early when a run finishes before its kill. Raises when a run that was not
    killed exits with anything but 0 (its stderr in the message).
    """
    logs.mkdir(parents=True, exist_ok=True)
    log = ResumeLog()
    for kill in [*kills, None]:
        run = run_scan(env, command, kill, logs / f"run-{len(log.runs) + 1}.log")
        log.runs.append(run)
        if not run.killed:
            if run.returncode != 0:
                raise RuntimeError(f"ptw scan exited {run.returncode}: {run.stderr}")
            return log
    raise AssertionError("unreachable: the last run is never killed")


def random_kills(rng: random.Random, pages: int, count: int, *, early: bool = False
                 ) -> list[Kill]:
    """`count` kill moments for a stack of `pages`: by saved-page count or by time at random.

    With `early`, the first kill comes 0.1–1 s after start, before any page is saved.
    """
    kills = [Kill(seconds=rng.uniform(0.1, 1.0))] if early else []
    share = max(2, pages // (count + 1))
    while len(kills) < count:
        if rng.random() < 0.5:
            kills.append(Kill(lines=rng.randint(1, share)))
        else:
            kills.append(Kill(seconds=rng.uniform(0.5, 3.0 + share / 15)))
    return kills


@dataclass(frozen=True)
class TwinStations:
    """Two stations with the same exam and one folder of scans for both."""

    reference: dict[str, str]
    crashed: dict[str, str]
    exam_id: int
    scans: Path


def problem_stack(exam: BenchExam, pages: int) -> list[str]:
    """Student numbers of a stack: the roster in turn, with one unknown and one duplicate
    student among them (when there are four sheets or more), so exceptions are compared too."""
    numbers = sheets_for(exam, pages)
    if len(numbers) >= 4:
        numbers[len(numbers) // 3] = UNKNOWN_NUMBER
        numbers[2 * len(numbers) // 3] = numbers[0]
    return numbers


def sqlite_station(folder: Path, name: str) -> dict[str, str]:
    """The environment of a station with its own SQLite database in `folder`."""
    return station_env(folder, f"sqlite:///{folder / 'ptw.sqlite3'}", f"{name}-station")


def prepare_twins(reference: dict[str, str], crashed: dict[str, str], folder: Path,
                  pages: int, seed: int) -> TwinStations:
    """Give both stations the same exam (same id) and write the stack they will scan."""
    exams = []
    for name, env in (("reference", reference), ("crashed", crashed)):
        context = open_station(env)
        try:
            exams.append(build_exam(context, folder / f"{name}-exam", -(-pages // 2), DPI))
        finally:
            context.close()
    if exams[0].exam_id != exams[1].exam_id:
        raise AssertionError("the two stations gave the exam different ids")
    write_scans(exams[0], folder / "scans", problem_stack(exams[0], pages), seed)
    return TwinStations(reference, crashed, exams[0].exam_id, folder / "scans")


def station_snapshot(env: dict[str, str], exam_id: int) -> ExamSnapshot:
    """What the exam holds in the database of the station named by `env`."""
    context = open_station(env)
    try:
        return snapshot_exam(context, exam_id)
    finally:
        context.close()


def compare_stations(reference: dict[str, str], actual: dict[str, str], exam_id: int
                     ) -> SnapshotDifference:
    """Compare what the exam holds in the two stations' databases."""
    return compare_snapshots(station_snapshot(reference, exam_id),
                             station_snapshot(actual, exam_id))


def run(runs: int, pages: int, seed: int, kills: int = 3, workers: int = 2
        ) -> dict[str, int]:
    """The whole bench: `runs` killed-and-resumed scans of `pages`, compared with references."""
    rng = random.Random(seed)
    totals = {"lost": 0, "doubled": 0, "mismatched": 0, "runs": runs, "pages": 0,
              "kills": 0, "orphans": 0}
    for number in range(runs):
        with tempfile.TemporaryDirectory(prefix="ptw-crash-bench-") as temp:
            folder = Path(temp)
            twins = prepare_twins(sqlite_station(folder / "reference", "reference"),
                                  sqlite_station(folder / "crashed", "crashed"), folder,
                                  pages, seed * 1000 + number)
            command = scan_command(twins.exam_id, twins.scans, workers)
            scan_until_done(twins.reference, command, [], folder / "reference-logs")
            log = scan_until_done(twins.crashed, command, random_kills(rng, pages, kills),
                                  folder / "crashed-logs")
            difference = compare_stations(twins.reference, twins.crashed, twins.exam_id)
        for key in ("lost", "doubled", "mismatched"):
            totals[key] += getattr(difference, key)
        totals["pages"] += pages
        totals["kills"] += log.kills
        totals["orphans"] += log.orphans
        for detail in difference.details:
            sys.stderr.write(f"run {number + 1}: {detail}\n")
    return totals


def main(argv: list[str] | None = None) -> int:
    """Command line: print the totals as one JSON line; 1 when anything was lost."""
    parser = argparse.ArgumentParser(prog="python -m bench.crash_resume", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=3, help="kills per run")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    totals = run(args.runs, args.pages, args.seed, args.kills, args.workers)
    sys.stdout.write(json.dumps(totals) + "\n")
    failed = totals["lost"] or totals["doubled"] or totals["mismatched"] or totals["orphans"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
