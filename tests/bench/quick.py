"""`BENCH_QUICK=1 make bench`: the same benchmarks with fewer requests and rows, to check the code
works (on a shared machine, say); its figures are not the ones to publish."""

from __future__ import annotations

import os

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def pick(full: int, quick: int) -> int:
    return quick if QUICK else full
