"""Scan batches and the page records that make each stored image known to the database.

A page is identified by the SHA-256 of its image: recording the same image twice gives
back the first record. Sequence numbers are per batch and allocated inside the
transaction, so two stations writing at once never share or skip one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Page, ScanBatch
from workflow.context import AppContext
from workflow.exam_queries import get_exam


@dataclass(frozen=True, slots=True)
class PageRecord:
    """A page's database identity and whether this call created it."""

    page_id: int
    batch_id: int
    sequence: int
    created: bool


def open_batch(context: AppContext, exam_id: int, source: str) -> int:
    """Start a scan batch for an exam at this station; return its id."""

    def work(session: Session) -> int:
        get_exam(session, exam_id)
        batch = ScanBatch(assessment_id=exam_id, station=context.station, source=source)
        session.add(batch)
        session.flush()
        return batch.id

    return context.database.run(work)


def record_page(
    context: AppContext, batch_id: int, content_hash: str, file_path: str, source: str
) -> PageRecord:
    """Record a stored page image in a batch, once per distinct image."""

    def work(session: Session) -> PageRecord:
        existing = session.scalars(select(Page).where(Page.content_hash == content_hash)).first()
        if existing is not None:
            return PageRecord(existing.id, existing.batch_id, existing.sequence, False)
        last = session.scalar(select(func.max(Page.sequence)).where(Page.batch_id == batch_id))
        page = Page(batch_id=batch_id, sequence=(last or 0) + 1, content_hash=content_hash,
                    file_path=file_path, source=source, station=context.station)
        session.add(page)
        session.flush()
        return PageRecord(page.id, batch_id, page.sequence, True)

    return context.database.run(work, attempts=20)
