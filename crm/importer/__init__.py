"""Dataset import and export (docs/dataset.md): streaming validation, then one all-or-nothing upsert."""
