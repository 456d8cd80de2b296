"""Declarative base, constraint naming and column helpers shared by all models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names are fixed so migrations can alter them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


def utc_now() -> datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return datetime.now(UTC)


def enum_column(enum_type: type[enum.Enum], **kwargs: Any) -> Any:
    """A column storing an enum's value as plain text, portable across SQLite and PostgreSQL."""
    return mapped_column(
        Enum(
            enum_type,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [member.value for member in members],
        ),
        **kwargs,
    )


def created_at_column() -> Any:
    """A creation timestamp filled in by Python on insert."""
    return mapped_column(DateTime(timezone=True), default=utc_now, nullable=False)
