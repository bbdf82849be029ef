"""What the figures were measured on."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path


def _proc_field(path: str, name: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.lower().startswith(name.lower()):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine_info() -> dict[str, str]:
    memory_kib = _proc_field("/proc/meminfo", "MemTotal")
    memory = f"{int(memory_kib.split()[0]) / 1024 / 1024:.1f} GiB" if memory_kib else "unknown"
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("slack_bolt", "uvicorn", "starlette", "openai", "sqlalchemy")
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "packages": packages,
        # The machine may be shared (other test runs): figures on a busy machine come out worse.
        "load average at start (1, 5, 15 min)": ", ".join(f"{load:.2f}" for load in os.getloadavg()),
    }
