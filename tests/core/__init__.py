"""Tests of core: settings, errors, progress, database, migrations."""
