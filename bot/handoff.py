"""Work after the ack in a process of its own: ``salesbot serve`` and ``salesbot socket`` answer Slack in one
process and do the work in another.

Why: a click's ack is a few milliseconds of Python, its work (a transaction, Slack calls, HubSpot's
write-back, a model call) many more. In one process they share one interpreter lock, so under a burst of
clicks the threads doing the work delay the threads answering Slack. Here the web process only verifies, acks
and hands over; the work process runs the same listeners' work on its own thread pools, at a lower CPU
priority (``NICE``), so answering Slack always comes first and the work catches up in the gaps.

What is handed over is the call itself (``fn(*args, **kwargs)``: a listener's unit of work with its closure),
pickled by the C pickler (cloudpickle when something must travel by value, a lambda say). The runtime it
refers to is not copied but named: the ``Services``, the database engine and Slack clients become the work
process's own, so a closure that captured ``services`` or ``client`` runs there against the same database and
workspace.

Nothing is lost: a call that cannot be pickled, or that finds the work process gone, runs in the web process
instead (logged); a work process that dies is started again and the calls it held are reported failed (logged
with what they were). Click work is not persisted in between, exactly as it was not in a thread pool; what
must survive a crash (HubSpot write-back) is in the database before the ack's work ends.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from types import CellType, CodeType, FunctionType
from typing import TYPE_CHECKING, Any

import cloudpickle
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.workers import Worker, batch

if TYPE_CHECKING:
    from bot.logs import LogOptions
    from bot.runtime import Services
    from crm.config import Settings

log = logging.getLogger(__name__)

# The work process's CPU priority, relative to the web process (a nice(2) increment, SALESBOT_WORK_NICE): it
# gets a core whenever the web process does not need it, and yields it at once when a burst arrives. The
# lowest priority: at 10 it still took a tenth of a busy core from the acks of a burst of clicks (their p99
# 1.5x the bare Bolt app's against 1.4x at 19), and its work waits only while the web process is busy.
NICE = int(os.environ.get("SALESBOT_WORK_NICE", "19"))
# Names of the work process's pools, as ``Services`` holds them.
POOLS = ("worker", "model_worker")
# A work process that keeps dying (a broken deployment) is not started again forever: after this many starts
# within RESTART_WINDOW_S, the web process does the work itself (slower acks, nothing lost) and says so.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
# How long a stopping work process may take to finish the calls it was handed.
FINISH_S = 600.0
# What the work process answers when it has received calls (before any runs), and once when it is ready.
RECEIVED = "received"
READY = "ready"
# How long calls wait for others to travel with them to the work process, and answers to travel back: each
# batch costs the web process one wake-up of a thread competing with those answering Slack.
OUTBOX_LINGER_S = 0.005
ANSWERS_LINGER_S = 0.02
# Salesbot's own packages: a function defined inside one of their functions travels as a reference to its
# code (both processes run the same code), the rest of it by value.
OWN_PACKAGES = ("bot", "crm", "rules", "insights", "hubspot_connector")


class HandOffError(RuntimeError):
    """The work process could not run a call handed to it (it died, or the call failed there)."""


# --- pickling: the call by value, the runtime by name --------------------------------------------------


@functools.cache
def _local_code(module: str) -> dict[tuple[str, int], CodeType | None]:
    """Every code object of a module's functions, classes and nested functions by (qualified name, first
    line); None where two share both (two lambdas on one line), which then travel by value."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
        return {}
    found: dict[tuple[str, int], CodeType | None] = {}

    def walk(code: CodeType) -> None:
        key = (code.co_qualname, code.co_firstlineno)
        found[key] = None if key in found else code
        for const in code.co_consts:
            if isinstance(const, CodeType):
                walk(const)

    walk(spec.loader.get_code(module))
    return found


def _local_function(
    module: str,
    qualname: str,
    line: int,
    cells: tuple[Any, ...],
    defaults: tuple[Any, ...] | None,
    kwdefaults: dict[str, Any] | None,
) -> FunctionType:
    """A function defined inside another, made again in this process from its module's code."""
    code = _local_code(module).get((qualname, line))
    if code is None:
        raise pickle.UnpicklingError(f"no single function {qualname} at line {line} of {module}")
    globals_ = vars(importlib.import_module(module))
    closure = tuple(CellType(value) for value in cells) or None
    made = FunctionType(code, globals_, code.co_name, defaults, closure)
    made.__kwdefaults__ = kwdefaults
    made.__qualname__ = qualname
    return made


def _runtime(kind: str, token: str | None = None) -> Any:
    """Stands for one of the web process's runtime objects in a pickle; ``loads`` reads it as the work
    process's own (``_Unpickler.find_class``)."""
    raise pickle.UnpicklingError(f"the runtime object {kind!r} can only be read by bot.handoff.loads")


def _reduce_ours(obj: Any, services: Services) -> tuple[Any, ...] | None:
    """How a call's objects that are Salesbot's own travel, or None for pickle's way:
    - the runtime (the ``Services``, the database engine, a Slack client) by name, made the work process's
      own;
    - a listener's unit of work (a function defined inside one of our functions) as a reference to its code
      plus what it closes over: several times cheaper than a copy of its code and globals, and it runs
      against the work process's real module state."""
    if type(obj) is FunctionType:
        if "<locals>" not in obj.__qualname__ or obj.__module__.split(".", 1)[0] not in OWN_PACKAGES:
            return None
        code = obj.__code__
        if obj.__dict__ or _local_code(obj.__module__).get((code.co_qualname, code.co_firstlineno)) is None:
            return None
        try:
            cells = tuple(cell.cell_contents for cell in obj.__closure__ or ())
        except ValueError:  # a cell not filled yet: let cloudpickle deal with it
            return None
        if any(cell is obj for cell in cells):
            return None
        args = (obj.__module__, code.co_qualname, code.co_firstlineno, cells)
        return _local_function, (*args, obj.__defaults__, obj.__kwdefaults__)
    if obj is services:
        return _runtime, ("services",)
    if isinstance(obj, Engine):
        return _runtime, ("engine",)
    if isinstance(obj, WebClient):
        return _runtime, ("slack", obj.token)
    return None


class _FastPickler(pickle.Pickler):
    """The C pickler, with ours as above: enough for a listener's work (module functions, dataclasses, dicts,
    our local functions). Something it cannot pickle by reference (a lambda, a local function of another
    package) makes ``dumps`` start again with cloudpickle."""

    def __init__(self, file: io.BytesIO, services: Services) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._services = services

    def reducer_override(self, obj: Any) -> Any:
        reduced = _reduce_ours(obj, self._services)
        return NotImplemented if reduced is None else reduced


class _Pickler(cloudpickle.Pickler):
    """cloudpickle (functions by value when they cannot travel by reference), with ours as above."""

    def __init__(self, file: io.BytesIO, services: Services) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._services = services

    def reducer_override(self, obj: Any) -> Any:
        reduced = _reduce_ours(obj, self._services)
        return super().reducer_override(obj) if reduced is None else reduced


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, services: Services, client_for: Callable[[str | None], WebClient]):
        super().__init__(file)
        self._services = services
        self._client_for = client_for

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_runtime":
            return self._runtime
        return super().find_class(module, name)

    def _runtime(self, kind: str, token: str | None = None) -> Any:
        if kind == "services":
            return self._services
        if kind == "engine":
            return self._services.engine
        if kind == "slack":
            return self._client_for(token)
        raise pickle.UnpicklingError(f"unknown runtime object {kind!r}")


def dumps(services: Services, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    try:
        _FastPickler(buffer, services).dump((fn, args, kwargs))
    except (pickle.PicklingError, AttributeError, TypeError):
        buffer = io.BytesIO()
        _Pickler(buffer, services).dump((fn, args, kwargs))
    return buffer.getvalue()


def loads(
    data: bytes, services: Services, client_for: Callable[[str | None], WebClient]
) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
    fn, args, kwargs = _Unpickler(io.BytesIO(data), services, client_for).load()
    return fn, args, kwargs


def describe(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """What a call was, for a log line: the function and, for a listener's unit of work, what it did."""
    what = next((a for a in args if isinstance(a, str)), "")
    return f"{getattr(fn, '__qualname__', fn)}({what})" if what else str(getattr(fn, "__qualname__", fn))


# --- the work process ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    """What the work process is started with (pickled by cloudpickle: the clock may be any function)."""

    settings: Settings
    database_url: str
    clock: Callable[[], datetime]
    log_options: LogOptions | None
    command: str | None


def slack_clients(settings: Settings) -> Callable[[str | None], WebClient]:
    """The work process's Slack clients, one per token (a workspace's bot token), made when first named."""
    from bot.slack.client import web_client

    clients: dict[str | None, WebClient] = {}
    lock = threading.Lock()

    def client_for(token: str | None) -> WebClient:
        with lock:
            if token not in clients:
                clients[token] = web_client(token=token, settings=settings)
            return clients[token]

    return client_for


def _warm_up(engine: Engine) -> None:
    """What the first click would otherwise pay for: the listeners' modules, the ORM's mappers, a database
    connection."""
    from sqlalchemy import text
    from sqlalchemy.orm import configure_mappers

    import bot.listeners  # noqa: F401 - every listener's work and what it imports
    import crm.models  # noqa: F401

    configure_mappers()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # the database is down: the calls will say so, one by one
        log.warning("the work process could not reach the database: %s", exc)


def _work_process(connection: Connection, setup_bytes: bytes) -> None:  # pragma: no cover - a child process
    """The work process's main loop: run what arrives, answer when each call (or a join) is done."""
    import sys

    setup: _Setup = pickle.loads(setup_bytes)
    if setup.log_options is not None:
        from bot import logs

        logs.configure(setup.log_options, stream=sys.stderr, command=setup.command, background=True)
    try:
        os.nice(NICE)
    except OSError:
        log.warning("could not lower the work process's priority")
    from bot.runtime import Services
    from bot.writeback.runner import Writeback
    from crm.db import make_engine

    engine = make_engine(setup.database_url)
    writeback = Writeback.from_settings(setup.settings, engine, clock=setup.clock)
    services = Services(engine=engine, settings=setup.settings, clock=setup.clock, writeback=writeback)
    client_for = slack_clients(setup.settings)
    answers: queue.SimpleQueue[tuple[int, str | None, Any] | None] = queue.SimpleQueue()

    def answer(call_id: int, error: str | None, result: Any = None) -> None:
        answers.put((call_id, error, result))

    sending = threading.Lock()  # the answers' thread and the main loop both write to the connection

    def send_answers() -> None:
        """Answers go back in batches: as many as are ready, in one message (fewer wake-ups over there)."""
        while True:
            answered = batch(answers, ANSWERS_LINGER_S)
            ready = [item for item in answered if item is not None]
            with sending:
                try:
                    connection.send(ready)
                except (pickle.PicklingError, TypeError, AttributeError):  # a result that cannot travel back
                    connection.send([(call_id, error, None) for call_id, error, _ in ready])
            if answered[-1] is None:
                return

    def done(call_id: int, future: Future[Any]) -> None:
        exc = future.exception()
        if exc is None:
            answer(call_id, None, future.result())
        else:
            answer(call_id, f"{type(exc).__name__}: {exc}")

    def join(call_id: int) -> None:
        try:
            services.join()
            answer(call_id, None)
        except Exception as exc:
            answer(call_id, f"{type(exc).__name__}: {exc}")

    _warm_up(engine)
    sender = threading.Thread(target=send_answers, name="salesbot-work-answers")
    sender.start()
    answer(0, READY)
    log.info("work process started", extra={"pid": os.getpid()})
    try:
        while True:
            try:
                message = connection.recv()
            except EOFError:  # the web process is gone
                break
            if message is None:
                break
            with sending:  # before any of them runs: from here on, running one again could do it twice
                connection.send([(call_id, RECEIVED, None) for call_id, _, _ in message])
            for call_id, pool, data in message:
                if pool == "join":
                    threading.Thread(target=join, args=(call_id,), daemon=True).start()
                    continue
                try:
                    fn, args, kwargs = loads(data, services, client_for)
                except Exception as exc:
                    log.exception("a call handed over could not be read")
                    answer(call_id, f"{type(exc).__name__}: {exc}")
                    continue
                future = getattr(services, pool).submit(fn, *args, **kwargs)
                future.add_done_callback(lambda f, call_id=call_id: done(call_id, f))
        # Told to stop, or the web process is gone: finish every call handed over (each was acked), then
        # stop. HubSpot sends still queued are dropped: their entries wait in the database for the clock.
        for name in POOLS:
            try:
                getattr(services, name).join(FINISH_S)
            except TimeoutError:
                log.error("the work process stops with work unfinished after %.0f s", FINISH_S)
    finally:
        answers.put(None)
        sender.join(FINISH_S)
        services.shutdown()
        engine.dispose()


@dataclass
class _Call:
    """A call handed over: pickled for the work process, kept as it is in case it must run here after all."""

    future: Future[Any]
    pool: str  # a name in POOLS, or "join"
    data: bytes
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    sent_to: Any = None  # the process it was written to
    received: bool = False  # that process said it has it (and may have begun it)

    @property
    def what(self) -> str:
        """For a log line (made only then: a click's hand-over does not pay for it)."""
        return "join" if self.pool == "join" else describe(self.fn, self.args)


class WorkProcess:
    """The web process's side: starts the work process, hands calls to it, tracks what it still holds.

    ``pool(name)`` is the executor ``Services`` uses for that pool. ``join()`` waits until the work process
    has finished everything handed to it so far (and what that handed on, as ``Services.join`` does).

    Handing over never blocks the thread that acked: calls wait in an outbox that one thread writes to the
    work process's pipe, so a work process that is busy (or starting) slows only itself.
    """

    def __init__(
        self,
        services: Services,
        database_url: str,
        *,
        log_options: LogOptions | None = None,
        command: str | None = None,
    ) -> None:
        self._services = services
        self._setup = cloudpickle.dumps(
            _Setup(services.settings, database_url, services.clock, log_options, command)
        )
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()  # the process, the connection and the pending calls
        self._changed = threading.Condition(self._lock)  # a process started or was given up
        self._process: Any = None
        self._connection: Connection | None = None
        self._pending: dict[int, _Call] = {}
        self._outbox: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._ids = itertools.count(1)
        self._closed = False
        self._starts: list[float] = []  # monotonic times of recent (re)starts
        self.given_up = False  # it kept dying: the web process does the work itself
        self._ready: Any = None  # the process that said it is ready
        self.starts = 0
        # Where a call runs when it cannot be handed over: here, in the web process.
        self.fallback = {name: Worker(f"salesbot-{name}-here", 2) for name in POOLS}
        self._sender = threading.Thread(target=self._send, name="salesbot-work-outbox", daemon=True)
        self._reader: threading.Thread | None = None

    # -- the process

    def start(self) -> WorkProcess:
        with self._lock:
            self._start_locked()
        self._sender.start()
        return self

    def _start_locked(self) -> None:
        self._starts = [*self._starts[-MAX_RESTARTS:], time.monotonic()]
        self.starts += 1
        here, there = self._context.Pipe()
        process = self._context.Process(
            target=_work_process, args=(there, self._setup), name="salesbot-work", daemon=True
        )
        process.start()
        there.close()
        self._process, self._connection = process, here
        self._changed.notify_all()
        # The reader is the only thread that waits for (reaps) this process: two would race.
        self._reader = threading.Thread(
            target=self._read, args=(here, process), name="salesbot-work-answers", daemon=True
        )
        self._reader.start()

    def _read(self, connection: Connection, process: Any) -> None:
        """Resolve each call as the work process answers; when it dies, fail what it held and restart it."""
        while True:
            try:
                batch = connection.recv()
            except (EOFError, OSError):
                break
            for call_id, error, result in batch:
                self._answered(process, call_id, error, result)
        process.join(5)
        with self._lock:
            if self._process is not process:
                return
            held = [(i, c) for i, c in self._pending.items() if c.sent_to is process]
            # What it had received may be done already (a transaction committed): lost, not run twice. What
            # it never received is handed to the next process (or run here) as if it had just arrived.
            lost = [c for _, c in held if c.received or c.pool == "join"]
            for call_id, call in held:
                if call.received or call.pool == "join":
                    del self._pending[call_id]
                else:
                    call.sent_to = None
                    self._outbox.put(call_id)
            self._process = self._connection = None
            if not self._closed:
                recent = [t for t in self._starts if time.monotonic() - t < RESTART_WINDOW_S]
                if len(recent) >= MAX_RESTARTS:
                    log.error(
                        "the work process ended (exit code %s) %d times in %.0f s: the web process does the "
                        "work after the ack itself from now on",
                        process.exitcode,
                        len(recent),
                        RESTART_WINDOW_S,
                    )
                    self.given_up = True
                else:
                    log.error(
                        "the work process ended (exit code %s) amid %d call(s); starting it again",
                        process.exitcode,
                        len(lost),
                    )
                    self._start_locked()
            self._changed.notify_all()
        for call in lost:
            if call.pool == "join":
                call.future.set_result(None)
                continue
            log.error("lost with the work process: %s", call.what)
            call.future.set_exception(HandOffError(f"the work process ended before finishing {call.what}"))

    def _answered(self, process: Any, call_id: int, error: str | None, result: Any) -> None:
        with self._lock:
            if error == READY:
                self._ready = process
                return
            if error == RECEIVED:
                if call_id in self._pending:
                    self._pending[call_id].received = True
                return
            call = self._pending.pop(call_id, None)
        if call is None:
            return
        if error is None:
            call.future.set_result(result)
        else:
            log.error("work after the ack failed in the work process: %s: %s", call.what, error)
            call.future.set_exception(HandOffError(error))

    def _send(self) -> None:
        """Write the outbox to the work process, in order and in batches (as many calls as are waiting, in
        one message); run a call here when there is no process to take it. ``None`` (shutdown) tells the
        work process to finish what it holds and stop."""
        stopping = False
        connection: Connection | None = None
        while not stopping:
            ids = batch(self._outbox, OUTBOX_LINGER_S)
            calls, here = [], []
            with self._lock:
                connection, process = self._connection, self._process
                for call_id in ids:
                    if call_id is None:
                        stopping = True
                        break
                    call = self._pending.get(call_id)
                    if call is None:
                        continue
                    if connection is None:
                        del self._pending[call_id]
                        here.append(call)
                    else:
                        call.sent_to = process
                        calls.append((call_id, call.pool, call.data))
            for call in here:
                self._run_here(call)
            if calls and connection is not None:
                # If it died meanwhile, the reader fails what it held (these calls too).
                with contextlib.suppress(OSError, ValueError):
                    connection.send(calls)
        if connection is not None:
            with contextlib.suppress(OSError, ValueError):
                connection.send(None)

    def _run_here(self, call: _Call) -> None:
        if call.pool == "join":
            call.future.set_result(None)
            return
        log.warning("the work process is not running: %s runs in the web process", call.what)
        here = self.fallback[call.pool].submit(call.fn, *call.args, **call.kwargs)
        here.add_done_callback(lambda f: _settle(call.future, f))

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None else int(process.pid)

    def state(self) -> dict[str, Any]:
        """For ``/healthz``: the work process's pid, whether it is ready (started and warmed up), how often it
        was started, and whether the web process does the work itself because it kept dying."""
        with self._lock:
            process = self._process
            return {
                "pid": None if process is None else process.pid,
                "ready": process is not None and self._ready is process,
                "starts": self.starts,
                "given_up": self.given_up,
            }

    def wait_replaced(self, pid: int, timeout: float = 30.0) -> int | None:
        """Wait until the process ``pid`` is no longer the work process; the new one's pid, or None when it
        was not started again (given up, or shut down)."""
        with self._changed:
            settled = lambda: self.pid != pid and (self.pid is not None or self._closed or self.given_up)  # noqa: E731
            if not self._changed.wait_for(settled, timeout):
                raise TimeoutError(f"the work process {pid} was not replaced in {timeout:.0f} s")
            return self.pid

    # -- handing over

    def submit(
        self, pool: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Future[Any]:
        try:
            data = dumps(self._services, fn, args, kwargs)
        except Exception:
            log.exception("could not hand over %s: running it in the web process", describe(fn, args))
            return self.fallback[pool].submit(fn, *args, **kwargs)
        return self._queue(_Call(Future(), pool, data, fn, args, kwargs))

    def _queue(self, call: _Call) -> Future[Any]:
        with self._lock:
            closed = self._closed
            if not closed:
                call_id = next(self._ids)
                self._pending[call_id] = call
                self._outbox.put(call_id)
        if closed:
            self._run_here(call)
        return call.future

    def pool(self, name: str) -> HandOff:
        if name not in POOLS:
            raise ValueError(f"no pool {name!r} in the work process")
        return HandOff(self, name)

    def join(self, timeout: float = 30.0) -> None:
        """Wait until the work process finished everything handed over so far, and the web process's
        fallback pools too."""
        joined = self._queue(_Call(Future(), "join", b"", lambda: None, (), {}))
        with contextlib.suppress(HandOffError):
            joined.result(timeout)
        for worker in self.fallback.values():
            worker.join(timeout)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Let the work process finish what it was handed, then stop it."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            process, reader = self._process, self._reader
        self._outbox.put(None)
        if self._sender.is_alive():
            self._sender.join(timeout)
        if process is not None and reader is not None:
            reader.join(timeout)  # it reads the last answers, then sees the process end and reaps it
            if reader.is_alive():
                log.error("the work process did not stop in %.0f s: terminating it", timeout)
                process.terminate()
                reader.join(10)
        for worker in self.fallback.values():
            worker.shutdown()


def _settle(future: Future[Any], done: Future[Any]) -> None:
    """Give ``future`` the outcome of ``done``."""
    exc = done.exception()
    if exc is None:
        future.set_result(done.result())
    else:
        future.set_exception(exc)


class HandOff(Executor):
    """One of the work process's pools, as an executor (``Services.worker``, ``Services.model_worker``)."""

    def __init__(self, process: WorkProcess, name: str) -> None:
        self._process = process
        self._name = name

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self._process.submit(self._name, fn, args, kwargs)

    def join(self, timeout: float = 30.0) -> None:
        self._process.join(timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._process.shutdown()
