"""Shared ground of the workstation: types, models, migrations, settings, errors, progress.

Nothing here imports another package of ours, so every layer above can depend on it.
"""
