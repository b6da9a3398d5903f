"""Seeded demo CRMs relative to a given ``now``, in the dataset format (docs/dataset.md).

``generator`` is the entry point (``generate``, ``dataset``, ``write_dataset``); ``people`` makes teams and
users, ``accounts`` the companies through enrollments, ``activities`` and ``events`` the bulk. Every rep gets
one small scenario per guided-action rule (docs/guided-actions.md) on top of background work in the profile's
proportions.
"""
