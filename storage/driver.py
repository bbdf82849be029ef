"""The statements of every `/triage`, compiled once and run straight through the database driver.

A `/triage` makes a handful of one-row statements (its replay key, the rate-limit counter, the live
model and the routing, its row, its delivery status). Through an ORM session each one cost about a
millisecond of CPU: a pooled connection checked out and reset, the statement's cache key, parameter
coercion, and on SQLite five hops to aiosqlite's thread. Measured (`python -m tests.bench.triage_cpu`,
and the micro-figures in BENCHMARKS.md): 0.7-1.0 ms per write and ~1 ms per read, against ~0.08 ms for
the same read run on a thread of our own.

So these few statements are built with SQLAlchemy (the tables stay the one truth about columns and
types) but compiled once per dialect into SQL text plus bind processors, and run through the driver:

- on SQLite, on `sqlite3` connections of our own (`SQLiteLane`): a read runs on the event loop when
  SQLite answers at once, else on a reader thread that may wait, so an ack's read never waits behind a
  write; a whole group commit runs on a writer thread, BEGIN to COMMIT in one hop from the event loop;
- on PostgreSQL, through the engine's pooled connection (`ConnectionRunner`), where psycopg already
  talks to the server from the event loop and only compilation is saved.

Everything else keeps the ORM: this is for statements on the request path, each a few lines of SQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, RootTransaction
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlmodel.ext.asyncio.session import AsyncSession

T = TypeVar("T")
Row = tuple[Any, ...]
BindProcessor = Callable[[Any], Any]

SQLITE_DIALECT = sqlite.dialect()  # pysqlite's: qmark parameters, the sqlite3 module's own


@dataclass(frozen=True)
class Compiled:
    """One statement for one dialect: its SQL and how to turn named values into the driver's parameters."""

    sql: str
    positions: tuple[str, ...] | None  # the parameter names in order (qmark), None: by name (pyformat)
    defaults: Mapping[str, Any]  # values the statement carries itself (literals such as `count + 1`)
    processors: Mapping[str, BindProcessor]  # the column types' conversions (UTC datetimes, …)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        merged = {**self.defaults, **values}
        for name, process in self.processors.items():
            merged[name] = process(merged[name])
        if self.positions is None:
            return merged
        return tuple(merged[name] for name in self.positions)


class Statement:
    """A statement built with SQLAlchemy from the tables, compiled at most once per dialect.

    `build` gets the dialect's name, for the constructs that differ (INSERT … ON CONFLICT)."""

    def __init__(self, build: Callable[[str], ClauseElement]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, str], Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        key = (dialect.name, dialect.paramstyle)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self._build(dialect.name), dialect)
        return found


def _compile(construct: ClauseElement, dialect: Dialect) -> Compiled:
    compiler = construct.compile(dialect=dialect)
    assert isinstance(compiler, SQLCompiler)
    defaults: dict[str, Any] = {}
    processors: dict[str, BindProcessor] = {}
    for bind, name in compiler.bind_names.items():
        if not bind.required:
            defaults[name] = bind.effective_value
        # The dialect's own implementation of the type (SQLite: datetimes as SQLAlchemy's strings).
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    positions = tuple(compiler.positiontup or ()) if compiler.positional else None
    return Compiled(compiler.string, positions, defaults, processors)


class Runner(Protocol):
    """Runs compiled statements on one connection, inside whatever transaction it is in."""

    def rows(self, statement: Statement, **values: Any) -> list[Row]: ...


class TransactionRunner(Runner, Protocol):
    """A runner that also opens, commits and rolls back its connection's transaction (group commit)."""

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class SQLiteRunner:
    """A `sqlite3` connection of the lane's (on its own thread)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, statement: Statement, **values: Any) -> list[Row]:
        compiled = statement.compiled(SQLITE_DIALECT)
        return self.connection.execute(compiled.sql, compiled.parameters(values)).fetchall()

    def begin(self) -> None:
        # IMMEDIATE: take the write lock now, so a write never fails upgrading a read (storage.db).
        self.connection.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.connection.execute("COMMIT")

    def rollback(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")


class ConnectionRunner:
    """A SQLAlchemy `Connection` (an async one's sync face inside `run_sync`): the PostgreSQL group
    commit, and these statements inside an ORM transaction (`in_session`)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._transaction: RootTransaction | None = None

    def begin(self) -> None:
        self._transaction = self.connection.begin()

    def commit(self) -> None:
        assert self._transaction is not None
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None:
            self._transaction.rollback()

    def rows(self, statement: Statement, **values: Any) -> list[Row]:
        compiled = statement.compiled(self.connection.dialect)
        # exec_driver_sql takes the driver's own parameter shapes: a tuple (qmark) or a dict (pyformat).
        result = self.connection.exec_driver_sql(compiled.sql, compiled.parameters(values))
        return [tuple(row) for row in result.all()] if result.returns_rows else []


async def in_session(session: AsyncSession, work: Callable[[Runner], T]) -> T:
    """Run `work` on an ORM session's connection, inside the session's transaction."""
    return await session.run_sync(lambda sync_session: work(ConnectionRunner(sync_session.connection())))


ConfigureSQLite = Callable[[sqlite3.Connection], None]


class SQLiteLane:
    """Two threads of our own, each with one `sqlite3` connection to the database file, and a
    connection per event loop for reads SQLite answers at once.

    The reader runs single statements in autocommit, so each sees the latest commit of any process
    (WAL: readers never wait for the writer). The writer runs a whole transaction handed to it as one
    function. Connections are opened on their thread at first use; `close` ends both (a later use
    opens them again, as a disposed engine's pool does)."""

    def __init__(self, path: str, configure: ConfigureSQLite) -> None:
        self._path, self._configure = path, configure
        self._reader = _ConnectionThread(path, configure, "triagebot-sqlite-read")
        self._writer = _ConnectionThread(path, configure, "triagebot-sqlite-write")
        # Per event-loop thread, a connection that never waits for a lock (see `read`).
        self._inline = threading.local()
        self._inline_connections: list[sqlite3.Connection] = []
        self._inline_lock = threading.Lock()

    async def read(self, statement: Statement, **values: Any) -> list[Row]:
        """The statement's rows as committed now by any process.

        Run right here on the event loop when SQLite can answer at once, as it does for a WAL reader
        but in rare moments (another connection recovering the WAL, or holding the file exclusively):
        the two reads of every triage are a few microseconds each from SQLite's page cache, against
        ~0.1 ms of CPU and a turn of the loop to hand them to a thread. When SQLite would make us wait,
        the reader thread waits instead (busy timeout), never the loop."""
        try:
            return SQLiteRunner(self._inline_connection()).rows(statement, **values)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
        return await self._reader.run(lambda runner: runner.rows(statement, **values))

    def _inline_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._inline, "connection", None)
        if connection is None:
            # Not bound to this thread only so that `close` may close it from another one.
            connection = _connect(self._path, self._configure, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout=0")  # SQLITE_BUSY at once: the reader thread waits
            self._inline.connection = connection
            with self._inline_lock:
                self._inline_connections.append(connection)
        return connection

    async def write(self, work: Callable[[SQLiteRunner], T]) -> T:
        """Run `work` on the writer's connection; it owns BEGIN and COMMIT."""
        return await self._writer.run(work)

    async def close(self) -> None:
        with self._inline_lock:
            inline, self._inline_connections = self._inline_connections, []
        self._inline = threading.local()
        for connection in inline:
            connection.close()
        await asyncio.gather(self._reader.close(), self._writer.close())


def _connect(path: str, configure: ConfigureSQLite, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection of the lane's: driver autocommit (BEGIN is ours to issue), our pragmas."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=check_same_thread)
    configure(connection)
    return connection


class _ConnectionThread:
    def __init__(self, path: str, configure: ConfigureSQLite, name: str) -> None:
        self._path, self._configure, self._name = path, configure, name
        self._executor: ThreadPoolExecutor | None = None
        self._runner: SQLiteRunner | None = None  # touched only on the executor's one thread

    def _call(self, work: Callable[[SQLiteRunner], T]) -> T:
        if self._runner is None:
            self._runner = SQLiteRunner(_connect(self._path, self._configure))
        return work(self._runner)

    async def run(self, work: Callable[[SQLiteRunner], T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, work)

    def _close_connection(self) -> None:
        if self._runner is not None:
            self._runner.connection.close()
            self._runner = None

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        await asyncio.get_running_loop().run_in_executor(executor, self._close_connection)
        executor.shutdown(wait=False)
