"""Every rule's cases, in rule order."""

from __future__ import annotations

from tests.rules.cases import (
    Case,
    r01,
    r02,
    r03,
    r04,
    r05,
    r06,
    r07,
    r08,
    r09,
    r10,
    r11,
    r12,
    r13,
    r14,
    r15,
    r16,
    r17,
    r18,
    r19,
)

MODULES = (r01, r02, r03, r04, r05, r06, r07, r08, r09, r10, r11, r12, r13, r14, r15, r16, r17, r18, r19)
ALL_CASES: list[Case] = [case for module in MODULES for case in module.CASES]
