from sqlalchemy import func, select

from core.models import Assessment, KnowledgePoint, School, Subject
from core.settings import Settings
from workflow.context import open_context
from workflow.scan_batches import open_batch, record_page
from workflow.station_setup import prepare_database


def test_first_start_creates_the_demo_school_once(settings: Settings) -> None:
    context = open_context(settings)
    first = prepare_database(context, with_demo=True)
    second = prepare_database(context, with_demo=True)
    assert first.first_start and first.demo_created
    assert not second.first_start and not second.demo_created
    with context.database.transaction() as session:
        assert session.scalars(select(School.name)).all() == ["演示中学（虚构）"]
        assert session.scalar(select(func.count(Assessment.id))) == 1
        assert session.scalar(select(func.count(Subject.id))) >= 10
        math_points = session.scalar(select(func.count(KnowledgePoint.id)).where(
            KnowledgePoint.code.like("MA%")))
        assert math_points >= 150
    context.close()


def test_without_demo_first_start_leaves_no_school(settings: Settings) -> None:
    context = open_context(settings)
    summary = prepare_database(context, with_demo=False)
    assert summary.first_start and not summary.demo_created
    with context.database.transaction() as session:
        assert session.scalar(select(func.count(School.id))) == 0
    context.close()


def test_same_page_recorded_twice_counts_once(settings: Settings) -> None:
    from workflow.demo_school import create_demo

    context = open_context(settings)
    prepare_database(context)
    exam_id = create_demo(context).exam_id
    batch = open_batch(context, exam_id, "file:test")
    first = record_page(context, batch, "a" * 64, "pages/a.png", "file")
    second = record_page(context, batch, "b" * 64, "pages/b.png", "file")
    again = record_page(context, batch, "a" * 64, "pages/a.png", "file")
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.created and second.created and not again.created
    assert again.page_id == first.page_id
    context.close()
