"""Report renderers: PDF with reportlab and Excel/CSV tables with openpyxl."""
