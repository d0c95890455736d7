"""How long loading and checking the datasets takes (run on demand).

    python benchmarks/bench_data.py

Prints, for every dataset, the rows, the cold time (file read, checked and
typed) and the warm time (cached copy), plus peak memory for loading them all.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minusma import data  # noqa: E402


def cold_load(name: str) -> float:
    data._load_cached.cache_clear()
    start = time.perf_counter()
    data.load(name)
    return time.perf_counter() - start


def main() -> int:
    print(f"{'dataset':<34}{'rows':>6}{'cold ms (median of 5)':>24}{'warm ms':>10}")
    total_cold = 0.0
    for name in data.names():
        cold = statistics.median(cold_load(name) for _ in range(5))
        start = time.perf_counter()
        rows = len(data.load(name))
        warm = time.perf_counter() - start
        total_cold += cold
        print(f"{name:<34}{rows:>6}{cold * 1000:>24.1f}{warm * 1000:>10.2f}")
    data._load_cached.cache_clear()
    tracemalloc.start()
    data.validate_all()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nall datasets, cold: {total_cold * 1000:.0f} ms; peak memory while loading all: {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
