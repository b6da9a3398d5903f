"""Reading the types a sync lists in full, a chunk ahead of the writing (``sync.Sync`` writes them).

``read_chunks`` lists each type's pages and reads each chunk's associations (one v4 batch per target type).
It runs beside the writing, so HubSpot's answers and the database's writes overlap, in one of two ways:

- ``ThreadReader``: a thread of the syncing process, sharing its ``HubSpotApi`` (any clock, any token);
- ``ProcessReader``: a process of its own, with its own ``HubSpotApi`` built from the syncing
  one's settings (``ReaderSettings``), on slots of the rate budget (which every process shares in the
  database) reserved for it by the syncing process; it connects to the database itself, importing
  SQLAlchemy then, only if they run out. The reading's CPU (the official client, parsing) no longer
  competes for one interpreter lock with the writing's. Each chunk goes over a pipe (its records and
  associations as JSON, what HubSpot sent, encoded and decoded by orjson: several times cheaper on both
  sides than pickling tens of thousands of small dicts); errors too (pickled: the same exceptions, so the
  same exit codes); the requests it sent are counted in the syncing ``HubSpotApi``. The process runs
  without the cyclic garbage collector (``main``).

Either way a chunk's paging token moves with the chunk, in its transaction, on the writing side: what was
read ahead when a sync stops is read again by the next run.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection as PipeEnd
from typing import Any

import orjson

from hubspot_connector.api import HubSpotApi, RetryPolicy, names
from hubspot_connector.errors import HubSpotUnavailable

Json = dict[str, Any]
Found = dict[str, dict[str, list[tuple[str, list[int]]]]]  # target type -> from id -> (to id, type ids)
Chunk = tuple[str, list[Json], str | None, Found]  # object type, records, paging token after it, links
Plan = list[tuple[str, str | None]]  # (object type, paging token to start after)


def has_id(obj: Any) -> bool:
    return isinstance(obj, dict) and str(obj.get("id", "")).isdigit()


def properties(object_type: str, score_property: str | None) -> tuple[list[str], list[str]]:
    """The properties read of a type, and those read with their history."""
    props = [*names.PROPERTIES[object_type], names.modified_property(object_type)]
    history = list(names.HISTORY.get(object_type, ()))
    if object_type == names.DEALS:
        history.append(names.Deal.NEXT_STEP)
        if score_property:
            history.append(score_property)
            props.append(score_property)
    return props, history


def chunk_requests(object_type: str, chunk: int, score_property: str | None) -> int:
    """The requests reading one chunk of a type: its pages and its association batches."""
    _, history = properties(object_type, score_property)
    page = names.HISTORY_LIST_LIMIT if history else names.LIST_LIMIT
    batches = -(-chunk // names.ASSOCIATION_BATCH_LIMIT)
    return -(-chunk // page) + len(names.ASSOCIATIONS.get(object_type, ())) * batches


def read_links(api: HubSpotApi, object_type: str, hs_ids: list[str]) -> Found:
    """Per target type, the records' associations (HubSpot ids), one v4 batch read each."""
    if not hs_ids:
        return {}
    return {t: api.associations(object_type, t, hs_ids).to for t in names.ASSOCIATIONS.get(object_type, ())}


def _listed(
    api: HubSpotApi, plan: Plan, chunk: int, score_property: str | None
) -> Iterator[tuple[str, list[Json], str | None]]:
    """The plan's types in order, in chunks of ``chunk`` records (whole pages), each with the paging token
    after it (none after a type's last)."""
    for object_type, after in plan:
        props, history = properties(object_type, score_property)
        buffer: list[Json] = []
        while True:
            page = api.list_page(object_type, properties=props, properties_with_history=history, after=after)
            buffer += page.results
            after = page.after
            if after is None or len(buffer) >= chunk:
                yield object_type, buffer, after
                buffer = []
                if after is None:
                    break


def read_chunks(
    api: HubSpotApi, plan: Plan, chunk: int, score_property: str | None, *, overlap: bool = False
) -> Iterator[Chunk]:
    """The plan's types in order, in chunks of ``chunk`` records (whole pages) with their associations; a
    type's last chunk has no paging token after it.

    ``overlap=True``: a chunk's association batches (one per target type) are read at once, on threads of
    their own, while the next chunk's pages are listed: HubSpot works on several requests while this process
    parses the answers of others, instead of one request at a time. A chunk is given once its associations
    are in and the next chunk is listed (its associations asked for), but for the first, given as soon as
    its associations are in: the writing side has nothing else to do yet. An error of either is raised
    here."""
    if not overlap:
        for object_type, buffer, after in _listed(api, plan, chunk, score_property):
            yield object_type, buffer, after, read_links(api, object_type, _ids(buffer))
        return
    targets = {t: names.ASSOCIATIONS.get(t, ()) for t, _ in plan}
    with ThreadPoolExecutor(max_workers=LINK_READERS, thread_name_prefix="hubspot-links") as pool:
        waiting: tuple[str, list[Json], str | None, dict[str, Future[Any]]] | None = None
        first = True
        try:
            for object_type, buffer, after in _listed(api, plan, chunk, score_property):
                ids = _ids(buffer)
                asked = {
                    t: pool.submit(api.associations, object_type, t, ids) for t in targets[object_type] if ids
                }
                if first:
                    first = False
                    yield _joined(object_type, buffer, after, asked)
                    continue
                if waiting is not None:
                    yield _joined(*waiting)
                waiting = (object_type, buffer, after, asked)
            if waiting is not None:
                yield _joined(*waiting)
                waiting = None
        finally:
            if waiting is not None:  # stopped early: what was asked for is not waited for
                for future in waiting[3].values():
                    future.cancel()


LINK_READERS = 3  # association batches read at once: the most targets a type has


def _ids(buffer: list[Json]) -> list[str]:
    return [str(o["id"]) for o in buffer if has_id(o)]


def _joined(object_type: str, buffer: list[Json], after: str | None, asked: dict[str, Future[Any]]) -> Chunk:
    return object_type, buffer, after, {t: future.result().to for t, future in asked.items()}


class Reader:
    """What the writing side uses of a reader."""

    def next(self, object_type: str) -> tuple[list[Json], str | None, Found]:
        """The next chunk, of ``object_type`` (the plan's order)."""
        raise NotImplementedError

    def reserve(self, object_type: str) -> None:
        """Called before a chunk is written: slots of the budget for the next chunk's requests."""

    def close(self) -> None:
        raise NotImplementedError


class ThreadReader(Reader):
    """``read_chunks`` in a thread, a chunk ahead. The writing side reserves the budget's slots for the next
    chunk before it writes one (``reserve``), so the reading need not wait for the write's lock."""

    def __init__(self, api: HubSpotApi, plan: Plan, chunk: int, score_property: str | None) -> None:
        self.api = api
        self.plan = plan
        self.chunk = chunk
        self.score_property = score_property
        self.chunks: queue.Queue[Chunk | BaseException] = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.done = threading.Event()  # everything read: no slot to reserve for it any more
        self.thread: threading.Thread | None = None

    def next(self, object_type: str) -> tuple[list[Json], str | None, Found]:
        if self.thread is None:
            self.thread = threading.Thread(target=self._read, name="hubspot-list", daemon=True)
            self.thread.start()
        item = self.chunks.get()
        if isinstance(item, BaseException):
            raise item
        read_type, objects, after, links = item
        assert read_type == object_type, (read_type, object_type)
        return objects, after, links

    def reserve(self, object_type: str) -> None:
        if not self.done.is_set():
            self.api.reserve(chunk_requests(object_type, self.chunk, self.score_property))

    def _read(self) -> None:
        try:
            for item in read_chunks(self.api, self.plan, self.chunk, self.score_property):
                if not self._put(item):
                    return
            self.done.set()
        except BaseException as exc:  # handed to the writing side, which raises it
            self._put(exc)

    def _put(self, item: Chunk | BaseException) -> bool:
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                self.chunks.put(item, timeout=0.05)
                return True
        return False

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


@dataclass(frozen=True)
class ReaderSettings:
    """What a reading process needs to build its own ``HubSpotApi`` (``HubSpotApi.portable``)."""

    token: str
    base_url: str
    database_url: str
    per_10s: int
    search_per_s: int
    retry: RetryPolicy


def reader_settings(api: HubSpotApi, database_url: str | None) -> ReaderSettings | None:
    """The settings of a process reading as ``api`` does, or None when it cannot: an in-memory database,
    an OAuth token refreshed in this process, a clock or sleep other than the real ones (tests pin them)."""
    from hubspot_connector.budget import real_sleep, wall_clock

    budget, token = api.budget, api.fixed_token()
    if budget is None or token is None or not database_url or ":memory:" in database_url:
        return None
    if database_url.startswith("sqlite") and database_url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:"):
        return None
    if any(c is not wall_clock for c in (api.clock, budget.clock)):
        return None
    if any(s is not real_sleep for s in (api.sleep, budget.sleep)):
        return None
    return ReaderSettings(token, api.base_url, database_url, budget.per_10s, budget.search_per_s, api.retry)


class ProcessReader(Reader):
    """``read_chunks`` in a process of its own (``python -m hubspot_connector.reading``), started at once: its
    start-up overlaps the writing side's first steps. Not ``multiprocessing``'s spawn, which runs the main
    module again in the child (the whole ``salesbot`` command line, a benchmark's imports): this starts only
    what reading needs. The settings go in on its stdin; each chunk comes back pickled through a pipe (one
    message each, ``multiprocessing.connection``'s framing): the process reads the next chunk while this
    side writes one, and waits when it is a chunk ahead.

    The rate budget: as with a thread, this side reserves the slots of the next chunk's requests when it
    takes a chunk, before writing it, and hands them to the process through a second pipe, so the process
    need not wait for SQLite's write lock held by the writing (it takes slots itself only when none could be
    reserved). It hands back, with each chunk, the answers' times and daily cap it saw, written here with
    the next slots taken."""

    def __init__(
        self, settings: ReaderSettings, api: HubSpotApi, plan: Plan, chunk: int, score_property: str | None
    ) -> None:
        assert api.budget is not None
        self.api = api
        self.budget = api.budget
        self.last_type = plan[-1][0]
        # Slots given per chunk taken of a type: its chunks' requests, or the next type's if more (the process
        # reads a chunk ahead, so the chunk those slots are for may be the next type's first).
        needs = [chunk_requests(t, chunk, score_property) for t, _ in plan]
        self.requests = {t: max(needs[i : i + 2]) for i, (t, _) in enumerate(plan)}
        receiving, sending = os.pipe()
        slots_in, slots_out = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hubspot_connector.reading", str(sending), str(slots_in)],
            stdin=subprocess.PIPE,
            pass_fds=(sending, slots_in),
            env=env,
        )
        os.close(sending)  # the process holds the only sending end: its end closed is the pipe's end
        os.close(slots_in)
        self.pipe = PipeEnd(receiving, writable=False)
        self.slots = PipeEnd(slots_out, readable=False)
        assert self.process.stdin is not None
        with self.process.stdin, contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(pickle.dumps((settings, plan, chunk, score_property)))
        self._give(plan[0][0])  # the first chunk's
        # and the second's: it is read as soon as the first is sent, not once the first is taken (the
        # writing side waited for it while the first was small); one chunk's slots stay ahead from then on
        self._give(plan[0][0])

    def _give(self, object_type: str) -> None:
        slots = self.budget.take_ahead(self.requests[object_type])
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.slots.send_bytes(pickle.dumps(slots))

    def next(self, object_type: str) -> tuple[list[Json], str | None, Found]:
        try:
            kind, payload, counts, answers = pickle.loads(self.pipe.recv_bytes())
            if kind == "chunk":
                objects, links = orjson.loads(self.pipe.recv_bytes())
        except EOFError:
            raise HubSpotUnavailable(
                f"the process reading HubSpot stopped (exit code {self.process.wait()})"
            ) from None
        self.api.count_elsewhere(*counts)
        self.budget.take_over(*answers)
        if kind == "error":
            raise payload
        read_type, after = payload
        assert read_type == object_type, (read_type, object_type)
        if after is not None or read_type != self.last_type:
            self._give(read_type)  # the next chunk's: of this type, or the next type's first
        return objects, after, links

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()
        self.pipe.close()
        self.slots.close()


def _read_in_process(
    settings: ReaderSettings,
    plan: Plan,
    chunk: int,
    score_property: str | None,
    pipe: PipeEnd,
    slots: PipeEnd,
) -> None:
    """The reading process: each chunk sent as (kind, (object type, paging token after it), (requests sent,
    429s, seconds the budget waited) since the last message, the budget's ``hand_over``), then its records
    and associations as JSON in a message of their own; an exception raised as the payload of an ``error``
    message. Before each chunk it reads, the slots reserved for it (``ProcessReader._give``)."""
    from hubspot_connector.budget import RateBudget

    engines = []

    def connect() -> Any:
        # Only if the slots reserved for it run out: SQLAlchemy is then imported, not at start-up.
        from crm.db import make_engine

        engines.append(make_engine(settings.database_url))
        return engines[-1]

    budget = RateBudget(connect, settings.per_10s, settings.search_per_s)
    api = HubSpotApi(settings.token, base_url=settings.base_url, budget=budget, retry=settings.retry)
    counted = (0, 0, 0.0)

    def send(kind: str, payload: Any, body: bytes | None = None) -> None:
        nonlocal counted
        now = (api.requests_sent, api.rate_limited, budget.waited_s)
        counts = tuple(a - b for a, b in zip(now, counted, strict=True))
        counted = now
        message = (kind, payload, counts, budget.hand_over())
        pipe.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
        if body is not None:
            pipe.send_bytes(body)

    last_type = plan[-1][0] if plan else None
    # Slots come one message per chunk, each the next chunk's; but this process reads further ahead (the
    # next chunk's pages before a chunk is sent, ``read_chunks``): a stock spent early takes the messages
    # already there rather than the database (whose lock the writing holds).
    taking = threading.Lock()

    def refill() -> list[Any]:
        stock: list[Any] = []
        with taking:
            while slots.poll():
                stock += pickle.loads(slots.recv_bytes())
        return stock

    def next_slots() -> None:
        with taking:
            budget.add_stock(pickle.loads(slots.recv_bytes()))

    budget.refill = refill
    try:
        next_slots()
        for object_type, objects, after, links in read_chunks(api, plan, chunk, score_property, overlap=True):
            # JSON as HubSpot sent it (orjson parsed it), encoded again as such: a (to id, type ids) pair
            # arrives as a list.
            send("chunk", (object_type, after), orjson.dumps([objects, links]))
            if after is not None or object_type != last_type:
                next_slots()
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the sync stopped
    except BaseException as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            exc = RuntimeError(f"reading HubSpot failed: {traceback.format_exc()}")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            send("error", exc)
    finally:
        pipe.close()
        for engine in engines:
            engine.dispose()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the sync, which stops this process
    # No cyclic garbage collector: what this process makes is JSON, which refcounting frees, and each parse
    # of an answer (a thousand records' associations are ten thousand small dicts) would otherwise set off
    # collections going over every chunk held: they took about half of its CPU (bench/hubspot_sync.py).
    gc.disable()
    settings, plan, chunk, score_property = pickle.loads(sys.stdin.buffer.read())
    pipe = PipeEnd(int(sys.argv[1]), readable=False)
    slots = PipeEnd(int(sys.argv[2]), writable=False)
    _read_in_process(settings, plan, chunk, score_property, pipe, slots)


if __name__ == "__main__":
    main()
