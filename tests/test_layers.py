"""The layering of docs/architecture.md, checked on the imports themselves (parsed, not run).

- ``crm`` imports none of ``rules``, ``insights``, ``bot``, ``hubspot_connector``; ``rules`` none of ``bot``,
  ``insights``, ``hubspot_connector``; ``insights`` none of ``bot``, ``hubspot_connector``;
  ``hubspot_connector`` only ``crm`` (and itself). ``bot`` may import them all.
- Builders (``bot/blocks/``, ``bot/digest/render.py``) import neither SQLAlchemy nor sessions nor ORM models.
- No module imports another module's private name (``from x import _y``).
- No import cycles between modules, counting imports inside functions (they hide a cycle, not remove it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crm", "rules", "insights", "hubspot_connector", "bot")
FIRST_PARTY = frozenset(PACKAGES)
MAY_IMPORT = {
    "crm": {"crm"},
    "rules": {"crm", "rules"},
    "insights": {"crm", "rules", "insights"},
    "hubspot_connector": {"crm", "hubspot_connector"},
    "bot": set(PACKAGES),
}
BUILDERS = ("bot.blocks", "bot.digest.render")
NOT_FOR_BUILDERS = ("sqlalchemy", "crm.db", "crm.models")


def source_tree() -> dict[str, str]:
    """Module name -> source, for every module of the packages (migrations left out: Alembic's own)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path.read_text(encoding="utf-8")
    return modules


def _imports(name: str, source: str, is_package: bool) -> Iterator[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for every import, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                yield base, alias.name, node.lineno


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(modules: Mapping[str, str], packages: frozenset[str] = frozenset()) -> list[str]:
    """Every breach of the rules above in ``modules`` (name -> source); ``packages`` names the modules that
    are packages (``__init__``), for relative imports."""
    found: list[str] = []
    edges: dict[str, set[str]] = {}

    def owner(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    for name, source in modules.items():
        top = name.split(".")[0]
        for target, imported, line in _imports(name, source, name in packages):
            # ``from a import b`` where ``a.b`` is a module depends on that module.
            full = f"{target}.{imported}" if imported else target
            module = owner(full if full in modules else target)
            where = f"{name}:{line}"
            target_top = target.split(".")[0]
            if target_top in FIRST_PARTY and target_top not in MAY_IMPORT[top]:
                found.append(f"{where}: {top} may not import {target}")
            if any(_within(name, b) for b in BUILDERS) and any(_within(target, n) for n in NOT_FOR_BUILDERS):
                found.append(f"{where}: a builder imports {target}")
            private = imported is not None and imported.startswith("_") and not imported.startswith("__")
            if private and module is not None and module != name and full not in modules:
                found.append(f"{where}: private name {imported} of {target}")
            if module is not None and module != name:
                edges.setdefault(name, set()).add(module)
    found += [f"import cycle: {' -> '.join(cycle)}" for cycle in _cycles(edges)]
    return found


def _cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return cycles


def test_the_code_keeps_its_layers() -> None:
    modules = source_tree()
    packages = frozenset(
        name for name in modules if (ROOT / name.replace(".", "/") / "__init__.py").is_file()
    )
    assert "hubspot_connector" in modules
    assert violations(modules, packages) == []


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        ({"crm.a": "from bot.x import y", "bot.x": ""}, "crm may not import bot.x"),
        ({"crm.a": "def f():\n    import insights.b\n", "insights.b": ""}, "crm may not import insights.b"),
        ({"rules.a": "from insights import b", "insights.b": ""}, "rules may not import insights"),
        ({"insights.a": "import bot", "bot": ""}, "insights may not import bot"),
        ({"crm.a": "import hubspot_connector.sync", "hubspot_connector.sync": ""}, "crm may not import"),
        ({"hubspot_connector.a": "from rules.r import R", "rules.r": ""}, "hubspot_connector may not"),
        ({"bot.blocks.x": "from sqlalchemy import select"}, "a builder imports sqlalchemy"),
        ({"bot.digest.render": "from crm.db import session_scope", "crm.db": ""}, "a builder imports crm.db"),
        ({"bot.a": "from bot.b import _hidden", "bot.b": ""}, "private name _hidden of bot.b"),
        (
            {
                "insights.a": "from insights.b import x",
                "insights.b": "def f():\n    from insights.a import y\n",
            },
            "import cycle: insights.a -> insights.b",
        ),
    ],
)
def test_the_guard_catches(modules: dict[str, str], expected: str) -> None:
    assert any(expected in v for v in violations(modules)), violations(modules)


def test_the_guard_allows_what_the_layers_allow() -> None:
    modules = {
        "crm.models": "",
        "rules.a": "from crm.models import User",
        "insights.a": "from rules.a import x\nfrom crm.models import Deal",
        "hubspot_connector.sync": "from crm.models import Deal",
        "bot.a": "from hubspot_connector.sync import run\nfrom insights.a import y\nimport sqlalchemy",
        "bot.blocks.b": "from slack_sdk.models.blocks import SectionBlock\nfrom bot.a import z",
    }
    assert violations(modules) == []
