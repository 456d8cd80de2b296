"""Two stations writing to one database at once lose nothing and double nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bench.synthetic_rosters import roster_rows, write_roster_xlsx
from core.models import ClassMembership, Page, Student
from tests.workflow.ptw_process import REPO_ROOT
from workflow.context import AppContext
from workflow.demo_school import create_demo


def test_two_stations_import_rosters_and_add_pages_concurrently(
        context: AppContext, station_env: dict[str, str], tmp_path: Path) -> None:
    exam_id = create_demo(context).exam_id
    shared = roster_rows(800, seed=3, prefix="C")
    own = {name: roster_rows(1200, seed=4 + i, prefix=name) for i, name in enumerate("AB")}
    pages = {name: [f"{name}-{n}" for n in range(120)] + [f"both-{n}" for n in range(60)]
             for name in "AB"}
    processes = []
    for name in "AB":
        roster = write_roster_xlsx(tmp_path / f"{name}.xlsx", own[name] + shared)
        env = {**os.environ, **station_env, "PTW_STATION_NAME": f"station-{name}"}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "tests.workflow.station_worker", "--roster", str(roster),
             "--exam", str(exam_id), "--pages", *pages[name]],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))

    assert sum(o["added"] for o in outputs) == 800 + 2 * 1200
    assert sum(o["pages_created"] for o in outputs) == 2 * 120 + 60
    with context.database.transaction() as session:
        numbers = session.scalars(select(Student.student_number)).all()
        assert len(numbers) == len(set(numbers)) == 135 + 800 + 2 * 1200
        open_memberships = session.execute(
            select(ClassMembership.student_id, func.count())
            .where(ClassMembership.ended_on.is_(None))
            .group_by(ClassMembership.student_id).having(func.count() > 1)).all()
        assert open_memberships == []
        assert session.scalar(select(func.count(Page.id))) == 2 * 120 + 60
        for output in outputs:
            sequences = session.scalars(select(Page.sequence).where(
                Page.batch_id == output["batch"]).order_by(Page.sequence)).all()
            assert sequences == list(range(1, len(sequences) + 1))
        stations = set(session.scalars(select(Page.station)))
    assert stations == {"station-A", "station-B"}
