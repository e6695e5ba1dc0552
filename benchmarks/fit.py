"""Time `planlang fit` on usage logs of 10M and 100M events.

    python benchmarks/fit.py                  # 10M and 100M events
    python benchmarks/fit.py --sizes 10M      # only the smaller log

The logs are written once by `planlang simulate examples/assistant.plan`
(Parquet, 20 events at most per user and resource) into --data (default
the system's temporary directory: the 100M log is 1 GB), then `planlang
fit LOG --users users.csv --json` runs `--runs` times, each in a fresh
process: wall time (process start included) and the process's peak memory.
Prints a Markdown table and writes benchmarks/fit_results.csv.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "assistant.plan"
SCALES = {"10M": 0.003, "100M": 0.03}  # share of assistant.plan's users: about 10M and 100M events


def timed(command: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one run of `command`."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def log(data: Path, size: str) -> tuple[Path, Path, int]:
    """The event log of `size` and its users table, written once."""
    events, users = data / f"events-{size}.parquet", data / f"users-{size}.csv"
    if not events.exists():
        subprocess.run([sys.executable, "-m", "solver.cli", "simulate", str(EXAMPLE), "-o", str(events),
                        "--users", str(users), "--month", "2026-10", "--scale", str(SCALES[size]),
                        "--events", "20", "--seed", "1"], check=True, cwd=ROOT)
    import duckdb

    count = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{events}')").fetchone()[0]
    return events, users, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=list(SCALES), choices=list(SCALES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "planlang-fit-bench")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in args.sizes:
        events, users, count = log(args.data, size)
        command = [sys.executable, "-m", "solver.cli", "fit", str(events), "--users", str(users), "--json"]
        runs = [timed(command) for _ in range(args.runs)]
        rows.append({"log": size, "events": count, "file MB": round(events.stat().st_size / 1e6),
                     "seconds": round(statistics.median(s for s, _ in runs), 2),
                     "peak MB": round(max(m for _, m in runs))})
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"median of {args.runs} runs (peak: the largest).\n")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()) + " |")
    with open(Path(__file__).parent / "fit_results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
