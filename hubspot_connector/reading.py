"""Reading the types a sync lists in full, a chunk ahead of the writing (``sync.Sync`` writes them).

``read_chunks`` lists each type's pages and reads each chunk's associations (one v4 batch per target type).
It runs beside the writing, so HubSpot's answers and the database's writes overlap, in one of two ways:

- ``ThreadReader``: a thread of the syncing process, sharing its ``HubSpotApi`` (any clock, any token);
- ``ProcessReader``: a process of its own, forked from the syncing one (so it starts at once, with every
  module loaded), with its own ``HubSpotApi`` built from the syncing one's settings (``ReaderSettings``), on
  slots of the rate budget (which every process shares in the database) reserved for it by the syncing
  process; it connects to the database itself only if they run out. The reading's CPU (the official
  client, parsing, and making activities into rows) no longer competes for one interpreter lock with the
  writing's. In the process, the listing runs in a thread of its own while the main thread makes the
  chunks into rows and sends them.

Either way a chunk of activities (nine records in ten) is made into rows where it is read (``prepare``):
mapped, validated and converted as the driver takes them, the writing side filling in ids, owners and
associations. The process does so only while the writing side is busy: when it waits for a chunk, the next
goes as read, for the writing side to map (the work balances between the two). Each chunk goes over a pipe:
its records as JSON, what HubSpot sent (orjson: several times cheaper on both sides than pickling tens of
thousands of small dicts), or its rows, and its associations as HubSpot's answers, read on the writing side;
errors pickled (the same exceptions, so the same exit codes); the requests it sent are counted in the syncing
``HubSpotApi``. The process runs without the cyclic garbage collector (``_forked_reader``).

Either way a chunk's paging token moves with the chunk, in its transaction, on the writing side: what was
read ahead when a sync stops is read again by the next run.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection as PipeEnd
from typing import Any

import orjson

from hubspot_connector.api import HubSpotApi, RetryPolicy, names
from hubspot_connector.api.client import Associations
from hubspot_connector.errors import HubSpotUnavailable
from hubspot_connector.mapping import has_id
from hubspot_connector.prepare import PREPARED_TYPES, Prepared, prepare

Json = dict[str, Any]
Found = dict[str, dict[str, list[tuple[str, list[int]]]]]  # target type -> from id -> (to id, type ids)
Chunk = tuple[str, list[Json], str | None, Found]  # object type, records, paging token after it, links
Read = tuple[str, list[Json] | Prepared, str | None, Found]  # a chunk given to the writing side
Plan = list[tuple[str, str | None]]  # (object type, paging token to start after)


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
    api: HubSpotApi,
    plan: Plan,
    chunk: int,
    score_property: str | None,
    *,
    overlap: bool = False,
    raw_links: bool = False,
) -> Iterator[Chunk]:
    """The plan's types in order, in chunks of ``chunk`` records (whole pages) with their associations; a
    type's last chunk has no paging token after it.

    ``overlap=True``: a chunk's association batches (one per target type) are read at once, on threads of
    their own, while the next chunk's pages are listed: HubSpot works on several requests while this process
    parses the answers of others, instead of one request at a time. A chunk is given once its associations
    are in and the next chunk is listed (its associations asked for), but for the first, given as soon as
    its associations are in: the writing side has nothing else to do yet. An error of either is raised
    here. ``raw_links`` (with ``overlap``): a chunk's associations come as the batch reads' answers, unread
    (per target type, ``HubSpotApi.association_answers``): for another process to read."""
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
                read = api.association_answers if raw_links else _associations(api)
                asked = {t: pool.submit(read, object_type, t, ids) for t in targets[object_type] if ids}
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
SLOTS_WAIT_S = 1.0  # how long the reading process waits for slots from the writing side


def _ids(buffer: list[Json]) -> list[str]:
    return [str(o["id"]) for o in buffer if has_id(o)]


def _joined(object_type: str, buffer: list[Json], after: str | None, asked: dict[str, Future[Any]]) -> Chunk:
    return object_type, buffer, after, {t: future.result() for t, future in asked.items()}


def _associations(api: HubSpotApi) -> Callable[[str, str, list[str]], Any]:
    return lambda from_type, to_type, ids: api.associations(from_type, to_type, ids).to


def _prepared(object_type: str, objects: list[Json], dialect: str | None) -> list[Json] | Prepared:
    """An activity type's chunk made into rows for ``dialect`` (``prepare``); any other as listed."""
    if dialect is None or object_type not in PREPARED_TYPES:
        return objects
    return prepare(object_type, objects, dialect)


class Reader:
    """What the writing side uses of a reader."""

    def next(self, object_type: str) -> tuple[list[Json] | Prepared, str | None, Found]:
        """The next chunk, of ``object_type`` (the plan's order): its records as listed, or made into rows
        (``prepare``)."""
        raise NotImplementedError

    def reserve(self, object_type: str) -> None:
        """Called before a chunk is written: slots of the budget for the next chunk's requests."""

    def close(self) -> None:
        raise NotImplementedError


class ThreadReader(Reader):
    """``read_chunks`` in a thread, a chunk ahead. The writing side reserves the budget's slots for the next
    chunk before it writes one (``reserve``), so the reading need not wait for the write's lock."""

    def __init__(
        self, api: HubSpotApi, plan: Plan, chunk: int, score_property: str | None, dialect: str | None = None
    ) -> None:
        """``dialect``: the database's, for which activities are made into rows as they are read
        (``prepare``); None: every chunk comes as listed."""
        self.api = api
        self.plan = plan
        self.chunk = chunk
        self.score_property = score_property
        self.dialect = dialect
        self.chunks: queue.Queue[Read | BaseException] = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.done = threading.Event()  # everything read: no slot to reserve for it any more
        self.thread: threading.Thread | None = None

    def next(self, object_type: str) -> tuple[list[Json] | Prepared, str | None, Found]:
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
            for object_type, objects, after, links in read_chunks(
                self.api, self.plan, self.chunk, self.score_property
            ):
                if not self._put((object_type, _prepared(object_type, objects, self.dialect), after, links)):
                    return
            self.done.set()
        except BaseException as exc:  # handed to the writing side, which raises it
            self._put(exc)

    def _put(self, item: Read | BaseException) -> bool:
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
    dialect: str | None = None  # the database's: activities are made into rows for it (``prepare``)


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
    dialect = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return ReaderSettings(
        token, api.base_url, database_url, budget.per_10s, budget.search_per_s, api.retry, dialect
    )


class ProcessReader(Reader):
    """``read_chunks`` in a process of its own, forked at once (``_fork_reader``, ``multiprocessing``'s fork):
    it starts with every module the syncing process loaded (the mappers, the models), and its start overlaps
    the writing side's first steps. Not ``multiprocessing``'s spawn, which runs the main module again in the
    child (the whole ``salesbot`` command line, a benchmark's imports), nor a fresh interpreter, which would
    import again what making rows needs (half a second). Each chunk comes back through a pipe (a message each
    for its header, its records or rows, and its associations, ``multiprocessing.connection``'s framing): the
    process reads the next chunk while this side writes one.

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
        # Set while this side waits for a chunk: the process then sends its next chunk as read rather than
        # make it into rows first (``prepare``), which it does when this side is busy writing.
        self.hungry = mmap.mmap(-1, 1)
        self.process = _fork_reader(
            (settings, plan, chunk, score_property),
            sending,
            slots_in,
            self.hungry,
            close=(receiving, slots_out),
        )
        os.close(sending)  # the process holds the only sending end: its end closed is the pipe's end
        os.close(slots_in)
        self.pipe = PipeEnd(receiving, writable=False)
        self.slots = PipeEnd(slots_out, readable=False)
        self._give(plan[0][0])  # the first chunk's
        # and the second's: it is read as soon as the first is sent, not once the first is taken (the
        # writing side waited for it while the first was small); one chunk's slots stay ahead from then on
        self._give(plan[0][0])

    def _give(self, object_type: str) -> None:
        slots = self.budget.take_ahead(self.requests[object_type])
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.slots.send_bytes(pickle.dumps(slots))

    def next(self, object_type: str) -> tuple[list[Json] | Prepared, str | None, Found]:
        objects: list[Json] | Prepared = []
        try:
            if not self.pipe.poll():
                self.hungry[0] = 1
            try:
                header = self.pipe.recv_bytes()
            finally:
                self.hungry[0] = 0
            kind, payload, counts, answers = pickle.loads(header)
            if kind == "chunk":
                objects = orjson.loads(self.pipe.recv_bytes())
            elif kind == "prepared":
                objects = Prepared.from_json(self.pipe.recv_bytes())
            if kind != "error":
                links = {
                    t: Associations.of(answers).to
                    for t, answers in pickle.loads(self.pipe.recv_bytes()).items()
                }
        except EOFError:
            raise HubSpotUnavailable(
                f"the process reading HubSpot stopped (exit code {self._exit_code()})"
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

    def _exit_code(self) -> int | None:
        self.process.join()
        return self.process.exitcode

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.pipe.close()
        self.slots.close()


def _read_in_process(
    settings: ReaderSettings,
    plan: Plan,
    chunk: int,
    score_property: str | None,
    pipe: PipeEnd,
    slots: PipeEnd,
    hungry: Any = b"\0",
) -> None:
    """The reading process: each chunk sent as (kind, (object type, paging token after it), (requests sent,
    429s, seconds the budget waited) since the last message, the budget's ``hand_over``), then its records
    as JSON (kind ``chunk``) or its rows (kind ``prepared``: ``prepare.Prepared`` as JSON), then its
    associations (per target type, the batch reads' answers, pickled), each in a message of its own; an
    exception raised as the payload of an ``error`` message. ``hungry`` (one byte shared with the writing
    side) is set while the writing side waits for a chunk: the next goes as read, not made into rows."""
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

    def send(kind: str, payload: Any, *bodies: bytes) -> None:
        nonlocal counted
        now = (api.requests_sent, api.rate_limited, budget.waited_s)
        counts = tuple(a - b for a, b in zip(now, counted, strict=True))
        counted = now
        message = (kind, payload, counts, budget.hand_over())
        pipe.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
        for body in bodies:
            pipe.send_bytes(body)

    # Slots come one message per chunk the writing side takes (two at the start), each for the next chunk's
    # requests. The listing (a thread of its own, below) takes them as its stock runs out, waiting for the
    # next message while the writing side is busy (taking the next chunk, it sends one); when the writing
    # side waits for this side, or none comes within ``SLOTS_WAIT_S``, from the database.
    taking = threading.Lock()

    def refill() -> list[Any]:
        stock: list[Any] = []
        with taking:
            waited = 0.0
            while not stock:
                if slots.poll(0.01):
                    stock += pickle.loads(slots.recv_bytes())
                    continue
                waited += 0.01
                if hungry[0] or waited >= SLOTS_WAIT_S or not listing.is_alive():
                    break
            while slots.poll():
                stock += pickle.loads(slots.recv_bytes())
        return stock

    budget.refill = refill
    # Listing runs in a thread while this one makes the chunks into rows and sends them: while the listing
    # waits for HubSpot's answers, this thread works. (Switching threads more often than every 5 ms, the
    # default, made the process slower: more switches, no shorter waits, bench/hubspot_sync.py.)
    read: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        """``item`` to the sending thread, unless it stopped."""
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                read.put(item, timeout=0.05)
                return True
        return False

    def list_all() -> None:
        try:
            for item in read_chunks(api, plan, chunk, score_property, overlap=True, raw_links=True):
                if not hand(item):
                    return
            hand(None)
        except BaseException as exc:  # raised by the sending thread
            hand(exc)

    listing = threading.Thread(target=list_all, name="hubspot-list", daemon=True)
    try:
        listing.start()
        while (item := read.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            object_type, objects, after, links = item
            prepared = _prepared(object_type, objects, None if hungry[0] else settings.dialect)
            # JSON as HubSpot sent it (orjson parsed it), encoded again as such, or the rows made of it (a
            # dataclass, which orjson encodes as an object); the associations as HubSpot's answers, read on
            # the writing side, which has time to spare while this side makes rows.
            send(
                "chunk" if prepared is objects else "prepared",
                (object_type, after),
                orjson.dumps(prepared),
                pickle.dumps(links, pickle.HIGHEST_PROTOCOL),
            )
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
        stop.set()
        pipe.close()
        for engine in engines:
            engine.dispose()


def _fork_reader(
    args: tuple[Any, ...], sending: int, slots_in: int, hungry: Any, *, close: tuple[int, ...]
) -> multiprocessing.process.BaseProcess:
    """Fork the reading process (``multiprocessing``'s fork, which runs no main module again and leaves by
    ``os._exit``: the child uses nothing of the parent's but the pipes, never its database connections)."""
    process = multiprocessing.get_context("fork").Process(
        target=_forked_reader,
        args=(args, sending, slots_in, hungry, close),
        name="hubspot-reader",
        daemon=True,
    )
    process.start()
    return process


def _forked_reader(
    args: tuple[Any, ...], sending: int, slots_in: int, hungry: Any, close: tuple[int, ...]
) -> None:
    """The reading process: it ignores Ctrl-C (stopping the sync stops it), answers SIGTERM by ending (not
    with the forking process's own handler) and runs without the cyclic garbage collector: what it makes is
    JSON and rows, which refcounting frees, and each parse of an answer (a thousand records' associations are
    ten thousand small dicts) would otherwise set off collections going over every chunk held (about half of
    its CPU, bench/hubspot_sync.py); what it inherited is frozen out of the collector's sight."""
    for fd in close:
        os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.disable()
    gc.freeze()
    settings, plan, chunk, score_property = args
    pipe, slots = PipeEnd(sending, readable=False), PipeEnd(slots_in, writable=False)
    _read_in_process(settings, plan, chunk, score_property, pipe, slots, hungry)
