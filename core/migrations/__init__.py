"""Alembic migrations of the workstation schema (one revision per schema change)."""
