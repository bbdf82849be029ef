"""What a sandbox database already holds: asked before `--fresh` wipes it, said when it is picked up."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

# Rows a person made by using the sandbox (the golden cases and the first deployment are seeded).
COUNTED = {
    "triages": "triage(s)",
    "switch_requests": "switch request(s)",
    "eval_runs": "eval run(s)",
    "quality_checks WHERE kind = 'review'": "review(s)",
}


def existing_data(db_path: Path) -> dict[str, int]:
    """Counts of what was made in this sandbox, by label; empty when there is nothing (or no file)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return {}
    found: dict[str, int] = {}
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        for source, label in COUNTED.items():
            try:
                (count,) = conn.execute(
                    f"SELECT count(*) FROM {source}"
                ).fetchone()  # fixed names, never user input
            except sqlite3.Error:  # an older or foreign file: that table is not there
                continue
            if count:
                found[label] = int(count)
    return found


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {label}" for label, n in counts.items())
