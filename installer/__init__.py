"""Packaging for Windows: PyInstaller spec, WiX source and the build script."""
