"""PostgreSQL databases for the tests: one per pytest-xdist worker, so parallel workers never share a schema."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import sync_url


def worker_database_url(url: str, worker_id: str) -> str:
    """`url` itself when the suite runs in one process; `<database>_<worker>` under pytest-xdist."""
    if worker_id == "master":
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker_id}").render_as_string(hide_password=False)


def recreate_database(admin_url: str, url: str) -> None:
    """Drop and create `url`'s database through a connection to `admin_url`'s (a database cannot drop
    itself): a worker starts from nothing, whatever an interrupted run left behind."""
    name = make_url(url).database
    engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def reset_postgres(url: str) -> None:
    """An empty public schema: each test migrates its own database from scratch."""
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
