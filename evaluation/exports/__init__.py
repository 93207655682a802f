"""The stage's workbooks (.xlsx), one module per area."""
