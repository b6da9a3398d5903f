"""Dataset import and export (crm-dataset.md): streaming validation, then one all-or-nothing upsert."""
