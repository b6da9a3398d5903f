"""Seeded demo CRMs relative to a given ``now``, in the dataset format (crm-dataset.md)."""
