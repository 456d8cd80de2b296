"""Headless application services and the `ptw` command line.

The GUI and the CLI drive the same services here; nothing in this package touches Qt.
"""
