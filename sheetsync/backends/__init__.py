"""Workbook backends move raw cells in and out; parsing and header mapping live in `parse`."""
