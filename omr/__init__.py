"""Optical mark recognition: sheet layouts, sheet PDFs and page recognition (numpy in, data out)."""
