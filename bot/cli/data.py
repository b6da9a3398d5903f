"""``salesbot import``, ``salesbot export`` and ``salesbot db upgrade``."""

from __future__ import annotations

from typing import Any

from bot.cli.context import CommandError, Context


def register(commands: Any) -> None:
    p = commands.add_parser(
        "import",
        help="load a dataset file (docs/dataset.md) into the store; all or nothing",
        description="Merges the file into the store: records with the same id are replaced, others are "
        "kept (nothing is deleted). --replace empties the store first, in the same transaction.",
    )
    p.add_argument("file", help="the dataset, a JSON file")
    p.add_argument(
        "--replace", action="store_true", help="replace the whole store with the file (one transaction)"
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar while writing")
    p.set_defaults(handler=run_import)

    p = commands.add_parser("export", help="write the whole CRM store as a dataset file")
    p.add_argument("file", help="where to write the JSON")
    p.set_defaults(handler=run_export)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    p = db_commands.add_parser("upgrade", help="apply pending schema migrations")
    p.set_defaults(handler=run_upgrade)


def load_file(context: Context, path: str, *, progress: bool, replace: bool = False) -> dict[str, int]:
    """Import ``path`` into the context's store, reporting every error on failure (exit code 2)."""
    from tqdm import tqdm

    from crm.importer.load import import_dataset
    from crm.importer.reader import DatasetUnreadable
    from crm.importer.validate import DatasetInvalid

    bar = tqdm(desc="importing", unit=" records", disable=not progress, file=context.err)

    def tick(_collection: str, n: int) -> None:
        bar.update(n)

    try:
        result = import_dataset(context.engine, path, progress=tick, replace=replace)
    except DatasetUnreadable as exc:
        raise CommandError(f"{path}: {exc}") from None
    except DatasetInvalid as exc:
        for message in exc.errors:
            print(message, file=context.err)
        more = " (only the first ones are listed)" if exc.truncated else ""
        raise CommandError(f"{path}: {len(exc.errors)} error(s){more}; nothing was imported") from None
    finally:
        bar.close()
    return result.counts


def format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in counts.items())


def run_import(context: Context) -> int:
    args = context.args
    counts = load_file(context, args.file, progress=args.progress, replace=args.replace)
    how = "replaced the store with" if args.replace else "merged into the store (nothing deleted):"
    print(f"Imported {args.file}, {how} {format_counts(counts)}", file=context.out)
    return 0


def run_export(context: Context) -> int:
    from crm.db import session_scope
    from crm.importer.export import iter_dataset
    from crm.importer.jsonfile import write_collections

    with session_scope(context.engine) as session:
        counts = write_collections(context.args.file, iter_dataset(session))
    print(f"Exported to {context.args.file}: {format_counts(counts)}", file=context.out)
    return 0


def run_upgrade(context: Context) -> int:
    engine = context.engine  # creating the engine applies pending migrations
    print(f"Database schema is current ({engine.url.render_as_string(hide_password=True)})", file=context.out)
    return 0
