"""Getting a station's database ready: schema migrations, reference data, demo on first start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.i18n import LocalisedText
from core.models import KnowledgePoint, School
from core.progress import ProgressCallback, ProgressUpdate, ignore_progress
from core.schema_upgrade import upgrade_database
from workflow.context import AppContext
from workflow.demo_school import create_demo
from workflow.knowledge_point_import import install_shipped_trees
from workflow.school_records import ensure_subjects


@dataclass(frozen=True, slots=True)
class SetupSummary:
    """What preparing the database did."""

    revision_before: str | None
    revision_after: str
    first_start: bool
    demo_created: bool


def prepare_database(
    context: AppContext, progress: ProgressCallback = ignore_progress, with_demo: bool = False
) -> SetupSummary:
    """Migrate the schema, load reference data; on first start, create the demo school."""
    progress(ProgressUpdate(0, 3, LocalisedText("升级数据库结构", "Upgrading the database")))
    before, after = upgrade_database(context.database)
    progress(ProgressUpdate(1, 3, LocalisedText("载入基础数据", "Loading reference data")))

    def seed(session) -> bool:
        first_start = session.scalars(select(School.id)).first() is None
        ensure_subjects(session)
        if session.scalars(select(KnowledgePoint.id)).first() is None:
            install_shipped_trees(session, context)
        return first_start

    first_start = context.database.run(seed)
    demo_created = False
    if with_demo and first_start:
        progress(ProgressUpdate(2, 3, LocalisedText("创建演示学校", "Creating the demo school")))
        demo_created = create_demo(context).created
    progress(ProgressUpdate(3, 3, LocalisedText("完成", "Done")))
    return SetupSummary(before, after, first_start, demo_created)
