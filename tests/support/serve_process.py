"""`triagebot serve` as a real child process, configured by environment like in production.

Used where one process is not enough: signals (SIGTERM, SIGKILL), several bot processes sharing a
database, and benchmarks where client and server must not share a GIL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlmodel import Session, SQLModel, select

from storage.db import sync_url

# A deadline, not a wait: on a loaded machine (parallel workers, several processes starting at once)
# a cold start has taken over 30 s.
STARTUP_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rows(db_url: str, model: type[SQLModel], *where: object) -> list:
    """Rows as another process left them (the bot under test runs elsewhere)."""
    engine = create_engine(sync_url(db_url))
    try:
        with Session(engine) as session:
            return list(session.exec(select(model).where(*where)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def standin_env(
    *,
    database_url: str,
    slack_base_url: str,
    openai_base_url: str,
    bot_token: str,
    signing_secret: str,
    openai_key: str,
    model: str,
    **extra: str,
) -> dict[str, str]:
    """The environment of a bot talking to local stand-ins, and nothing inherited but the basics."""
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        SLACK_BOT_TOKEN=bot_token,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=f"{slack_base_url}/api/",
        OPENAI_API_KEY=openai_key,
        OPENAI_BASE_URL=f"{openai_base_url}/v1",
        DATABASE_URL=database_url,
        TRIAGE_DEFAULT_MODEL=model,
        PYTHONUNBUFFERED="1",
        # One process unless a test asks for workers: kill -9 and SIGTERM then reach the bot itself.
        WEB_CONCURRENCY="1",
    )
    env.update(extra)
    return env


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def peak_rss_kib(self) -> int | None:
        """VmHWM: the resident set's high-water mark since the process started (Linux only)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux only)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


def launch(
    env: dict[str, str],
    workdir: Path,
    *,
    name: str = "bot",
    module: str = "bot.cli",
    args: tuple[str, ...] = ("serve",),
) -> ServeProcess:
    """Start `triagebot serve` (or another `python -m module`) on a free loopback port, without
    waiting for it: several processes can then start at once."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,  # no stray .env from the repository
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return ServeProcess(process, f"http://127.0.0.1:{port}", log_path)


@contextmanager
def serve_process(
    env: dict[str, str],
    workdir: Path,
    *,
    name: str = "bot",
    module: str = "bot.cli",
    args: tuple[str, ...] = ("serve",),
    startup_seconds: float = STARTUP_SECONDS,
) -> Iterator[ServeProcess]:
    """A launched process, once /healthz answers; stopped (SIGTERM) afterwards."""
    served = launch(env, workdir, name=name, module=module, args=args)
    try:
        wait_until_healthy(served, startup_seconds)
        yield served
    finally:
        served.stop()


def wait_until_healthy(served: ServeProcess, startup_seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + startup_seconds
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(f"triagebot serve exited with {served.process.returncode}:\n{served.log()}")
        try:
            if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"triagebot serve did not become healthy:\n{served.log()}")
