"""Engine and sessions. Async all the way so that no request waits on a thread for the database."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.driver import ConnectionRunner, Row, SQLiteLane, Statement

SQLITE_BUSY_TIMEOUT_MS = 30_000


def async_url(url: str) -> str:
    """The driver we run with: aiosqlite for SQLite, psycopg 3 (async) for PostgreSQL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")


def sync_url(url: str) -> str:
    """The driver Alembic and one-off scripts use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_pragmas(connection: Any) -> None:
    """What every connection to our SQLite file runs first: the pool's and the driver lane's alike."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_sqlite(sync_engine: Any) -> None:
    """WAL so readers never block the writer; IMMEDIATE writes so concurrent writers queue on the
    busy timeout instead of failing with "database is locked" when a deferred read upgrades to a write."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the driver so the "begin" hook below decides its flavour.
        dbapi_connection.isolation_level = None
        sqlite_pragmas(dbapi_connection)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engine; hands out read sessions and write transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": not self.sqlite}
        if not self.sqlite:
            kwargs.update(pool_size=10, max_overflow=20)
        self.engine: AsyncEngine = create_async_engine(async_url(url), **kwargs)
        # The statements of every triage, straight through the driver (storage.driver).
        self.lane: SQLiteLane | None = None
        if self.sqlite:
            configure_sqlite(self.engine.sync_engine)
            path = make_url(url).database
            if not path or path == ":memory:":
                raise ValueError("an in-memory SQLite database cannot be shared: give DATABASE_URL a file")
            self.lane = SQLiteLane(path, sqlite_pragmas)
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)
        # One SQLite writer at a time per event loop, queued here rather than in SQLite: waiting
        # writers would each hold a pooled connection and back off in SQLite's busy handler (sleeps
        # of up to 100 ms), starving the reads an ack needs. Other processes still queue on the
        # busy timeout.
        self._sqlite_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def session(self) -> AsyncSession:
        """A session for reads (and writes that cannot conflict)."""
        return AsyncSession(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        if not self.sqlite:
            async with AsyncSession(self._write_engine, expire_on_commit=False) as session:
                async with session.begin():
                    yield session
            return
        async with self.sqlite_writer():
            async with AsyncSession(self._write_engine, expire_on_commit=False) as session:
                async with session.begin():
                    yield session

    @asynccontextmanager
    async def sqlite_writer(self) -> AsyncIterator[None]:
        """This event loop's turn to write to SQLite (ORM transactions and the driver lane's alike)."""
        loop = asyncio.get_running_loop()
        lock = self._sqlite_writers.get(loop)
        if lock is None:
            lock = self._sqlite_writers[loop] = asyncio.Lock()
        # Bounded like SQLite's own wait, so a transaction opened inside another (which SQLite could
        # never grant either) fails instead of hanging.
        async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):
            await lock.acquire()
        try:
            yield
        finally:
            lock.release()

    async def read_rows(self, statement: Statement, **values: Any) -> list[Row]:
        """One compiled statement's rows, as committed now by any process (no transaction is held)."""
        if self.lane is not None:
            return await self.lane.read(statement, **values)
        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda sync: ConnectionRunner(sync).rows(statement, **values))

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        if self.lane is not None:
            await self.lane.close()
        await self.engine.dispose()
