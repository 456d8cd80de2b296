"""Bench: import a 10 000-student roster (.xlsx) into a fresh SQLite database.

Prints one JSON line, last: `students`, `seconds` (read + check + write, the figure the
issue sets at < 5 s), `reimport_seconds` (same file again: nothing changes),
`read_seconds` (openpyxl reading the file alone, the floor in the same process) and
`ratio_to_read` (seconds / read_seconds).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.synthetic_rosters import roster_rows, write_roster_xlsx
from core.settings import Settings
from workflow.context import open_context
from workflow.roster_import import ROSTER_COLUMNS, import_roster
from workflow.station_setup import prepare_database
from workflow.table_reader import read_table


def run(students: int, database_url: str | None) -> dict[str, float | int | str]:
    """Time the import and return the figures."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = write_roster_xlsx(root / "roster.xlsx", roster_rows(students))
        settings = Settings(data_dir=root / "data", database_url=database_url)
        context = open_context(settings, actor="bench")
        prepare_database(context)
        started = time.perf_counter()
        read_table(path, ROSTER_COLUMNS)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        summary = import_roster(context, path)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = import_roster(context, path)
        reimport_seconds = time.perf_counter() - started
        context.close()
    assert summary.added == students and not again.changed_anything
    return {
        "students": students,
        "backend": settings.effective_database_url.split(":", 1)[0],
        "seconds": round(seconds, 3),
        "reimport_seconds": round(reimport_seconds, 3),
        "read_seconds": round(read_seconds, 3),
        "ratio_to_read": round(seconds / read_seconds, 2),
    }


def main() -> None:
    """Parse arguments, run, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    print(json.dumps(run(args.students, args.database_url)))


if __name__ == "__main__":
    main()
