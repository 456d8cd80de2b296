"""Writing audit entries: who changed which record, when, from what to what."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import AuditEntry
from workflow.context import AppContext


def record_change(
    session: Session,
    context: AppContext,
    action: str,
    entity: str,
    entity_id: int | None,
    field: str | None = None,
    old_value: object = None,
    new_value: object = None,
) -> None:
    """Add one audit entry to the current transaction."""
    session.add(
        AuditEntry(
            actor=context.actor,
            station=context.station,
            action=action,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old_value=None if old_value is None else str(old_value),
            new_value=None if new_value is None else str(new_value),
        )
    )
