"""`triagebot serve` under cProfile with a CPU clock: `python -m tests.bench.profiled_serve OUT serve ...`.

`python -m cProfile` times with the wall clock, so an idle event loop waiting in epoll would count
as cost; here the timer is the thread's own CPU time. The profile is written when serve returns
(SIGTERM stops uvicorn cleanly)."""

from __future__ import annotations

import cProfile
import sys
import time


def main() -> int:
    out, *argv = sys.argv[1:]
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    try:
        from bot.cli import main as triagebot

        return triagebot(argv)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    sys.exit(main())
