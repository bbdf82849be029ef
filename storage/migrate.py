"""Apply Alembic migrations from code, so `triagebot migrate` and `serve` need no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage.db import sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # '%' would be read as interpolation by configparser (passwords may hold it).
    cfg.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    # "heads": features may add migrations on parallel branches off the same parent.
    command.upgrade(alembic_config(database_url), revision)


def applied_heads(database_url: str) -> set[str]:
    """The revisions the database is at; empty for a database no migration has touched."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def pending_revisions(database_url: str) -> list[str]:
    """Revisions the database still lacks; empty when it is fully migrated."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    current = applied_heads(database_url)
    heads = set(script.get_heads())
    if current == heads:
        return []
    return [rev.revision for rev in script.walk_revisions() if rev.revision not in current]
