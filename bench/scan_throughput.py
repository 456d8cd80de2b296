"""How fast a stack is scanned end to end: folder of JPEG scans → results in the database.

`python -m bench.scan_throughput --pages 500 --workers 2 [--database-url URL]` builds a
station with an exam (roster of about pages/2 students, two-page A4 sheet), writes the
answered sheets as 200-dpi JPEG files, and times `scan_exam` over the folder exactly as
`ptw scan --source file:DIR` runs it: every page stored durably, recorded, recognised
in the process pool and saved with its responses and exceptions. The last line is JSON:
`pages_per_s` (pages saved per second of the whole call, pool start-up included),
`peak_rss_mb`, `pages`, `workers`, `database` and `exceptions`.

`peak_rss_mb` is this process's peak resident size while it scans (`getrusage`
ru_maxrss, once the peak left by drawing the stack is reset through
/proc/self/clear_refs where Linux allows it) plus, for every process it started (the
recognition workers and multiprocessing's resource tracker), its peak resident size
`VmHWM` from /proc, sampled every 50 ms by a thread while the scan runs (VmHWM only
grows, so the last sample before a worker exits is its peak, give or take the final
50 ms). Summing peaks counts each process at its worst at once, so the figure errs
high. Without /proc (Windows) only this process is counted.

With `--database-url` naming a PostgreSQL server, a scratch database is created next to
the one named (same server and credentials) and dropped afterwards, so the bench never
mixes with real data; an SQLite URL is used as it is. Default: SQLite in a temp folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.scan_exam_fixture import build_exam, open_station, sheets_for, station_env, write_scans
from core.database import is_sqlite
from core.progress import CancelToken
from scanner.acquisition import ScanOptions
from scanner.source_spec import parse_source
from workflow.context import AppContext
from workflow.scan_session import scan_exam
from workflow.scan_sources import open_source

DPI = 200
SAMPLE_SECONDS = 0.5
PROC = Path("/proc")


class ChildMemory:
    """A thread that keeps the peak resident size (VmHWM) of every descendant process."""

    def __init__(self) -> None:
        self.peaks_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped,
                                        name="child-memory", daemon=True)

    def __enter__(self) -> ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample_until_stopped(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def sample(self) -> None:
        """Read VmHWM of every living descendant of this process once."""
        for pid in descendants(os.getpid()):
            peak = vm_hwm_kb(pid)
            if peak is not None:
                self.peaks_kb[pid] = max(peak, self.peaks_kb.get(pid, 0))

    @property
    def total_mb(self) -> float:
        """The sum of the peaks seen, in MB."""
        return sum(self.peaks_kb.values()) / 1024


def descendants(root: int) -> set[int]:
    """Process ids whose ancestry leads to `root`, from /proc/PID/task/TID/children.

    Reading each process's own children lists is cheap, unlike scanning all of /proc,
    so the sampling thread does not slow down the scan it measures.
    """
    found: set[int] = set()
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for tasks in (PROC / str(pid) / "task").glob("*/children"):
            try:
                children = {int(child) for child in tasks.read_text().split()}
            except OSError:
                continue  # it ended while we looked
            frontier += list(children - found)
            found |= children
    return found


def vm_hwm_kb(pid: int) -> int | None:
    """The process's peak resident set (kB), or None when it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def reset_peak_rss() -> None:
    """Forget this process's peak resident size so far (Linux: clear_refs 5), if allowed.

    Drawing the stack costs memory a scanning station never spends; the figure is about
    scanning.
    """
    with contextlib.suppress(OSError):
        (PROC / "self" / "clear_refs").write_text("5")


@contextmanager
def scratch_database(url: str | None, folder: Path) -> Iterator[str]:
    """A database for one bench run: SQLite in `folder`, the SQLite URL given, or a new
    PostgreSQL database on the server of `url` (dropped afterwards)."""
    if url is None:
        yield f"sqlite:///{folder / 'data' / 'ptw.sqlite3'}"
        return
    if is_sqlite(url):
        yield url
        return
    name = f"ptw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(pages: int, workers: int, database_url: str | None = None, seed: int = 1
        ) -> dict[str, float | int | str]:
    """Make the station and the stack, scan it once, and return the figures."""
    with tempfile.TemporaryDirectory(prefix="ptw-scan-bench-") as temp:
        folder = Path(temp)
        with scratch_database(database_url, folder) as url:
            env = station_env(folder / "data", url)
            context = open_station(env)
            try:
                exam = build_exam(context, folder / "exam", -(-pages // 2), DPI)
                write_scans(exam, folder / "scans", sheets_for(exam, pages), seed)
                figures = _timed_scan(context, exam.exam_id, folder / "scans", workers)
            finally:
                context.close()
    figures["database"] = "sqlite" if is_sqlite(url) else "postgresql"
    return figures


def _timed_scan(context: AppContext, exam_id: int, scans: Path, workers: int
                ) -> dict[str, float | int | str]:
    spec = parse_source(f"file:{scans}")
    source = open_source(spec, ScanOptions(dpi=DPI), CancelToken())
    reset_peak_rss()
    with ChildMemory() as children:
        started = time.perf_counter()
        summary = scan_exam(context, exam_id, source.pages, str(spec),
                            workers=workers, expected=source.expected)
        elapsed = time.perf_counter() - started
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    if summary.paused is not None or summary.cancelled:
        raise RuntimeError(f"the bench scan stopped early: {summary.paused}")
    return {"pages_per_s": round(summary.saved / elapsed, 2),
            "peak_rss_mb": round(own_mb + children.total_mb, 1),
            "pages": summary.saved, "workers": workers, "exceptions": summary.exceptions,
            "seconds": round(elapsed, 2), "own_rss_mb": round(own_mb, 1),
            "children_rss_mb": round(children.total_mb, 1),
            "child_processes": len(children.peaks_kb)}


def main(argv: list[str] | None = None) -> int:
    """Command line: print the figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.scan_throughput",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server (a scratch database is made on it) or SQLite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    figures = run(args.pages, args.workers, args.database_url, args.seed)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
