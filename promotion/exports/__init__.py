"""Promotion's workbooks: the sheet of a territory's adoption for reporting in bulk."""
