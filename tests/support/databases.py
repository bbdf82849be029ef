"""Databases for the tests, migrated to head once per pytest-xdist worker and copied for each test.

Migrating is most of a short test's time (about 0.8 s of DDL on SQLite, 0.5 s on PostgreSQL), while a
copy of a migrated database takes milliseconds and is the same schema. On PostgreSQL each worker works
in databases of its own, derived from TEST_DATABASE_URL's (which is only connected to, never changed),
so parallel workers never share a schema.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import sync_url
from storage.migrate import upgrade


def migrated_sqlite_file(folder: Path) -> Path:
    """A SQLite database file migrated to head, to be copied by `sqlite_copy`."""
    path = folder / "triagebot.db"
    upgrade(f"sqlite:///{path}")
    # The migrations leave the default rollback journal: the one file is the whole database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a fresh copy of `template` in `folder`."""
    path = folder / "triagebot.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def derived_url(url: str, suffix: str) -> str:
    """`url` pointing at the database `<its database>_<suffix>` on the same server."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


def recreate_database(admin_url: str, url: str, template_url: str | None = None) -> None:
    """Drop `url`'s database (whoever is still connected) and create it again, empty or as a copy of
    `template_url`'s, through a connection to `admin_url`'s (a database cannot drop itself)."""
    name = make_url(url).database
    template = f' TEMPLATE "{make_url(template_url).database}"' if template_url else ""
    engine = create_engine(sync_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    finally:
        engine.dispose()


def migrated_postgres_template(admin_url: str, worker_id: str) -> str:
    """This worker's template database, migrated to head (created afresh at each session start)."""
    template = derived_url(admin_url, f"{worker_id}_template")
    recreate_database(admin_url, template)
    upgrade(template)
    return template
