"""The PySide6 desktop GUI: windows, widgets and the one background-operation helper.

Only this package imports Qt; it drives the same `workflow` services as the CLI.
"""
