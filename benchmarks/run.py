"""How fast the optimizer is, stage by stage, against the alternatives.

    python benchmarks/run.py [--runs 3] [--quick] [--cbc-limit 60]

For every example and every generated size (benchmarks/scenarios.py): the
median over --runs of each stage (parse, compile, MILP build, HiGHS solve,
verify by the independent evaluator), the peak memory of the whole job,
`planlang solve` end to end with process start (examples), CBC on the same
MILP, and exhaustive enumeration of every catalog (solver/milp/enumerate.py) where
that is possible, else its time estimated from a measured sample.

Each size runs in a fresh process, so memory is its own. Writes
benchmarks/results.csv and the table in benchmarks/README.md between its
markers. A benchmark, not a test: quote medians and compare ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from scenarios import LARGE, LARGE_ACCOUNTS, LARGE_CREDITS, LARGE_WINDOWS, MEDIUM, Size  # noqa: E402

ENUMERATE_AT_MOST = 20_000_000  # catalogs enumerated for real; beyond, estimated
SAMPLE = 500_000  # catalogs timed to estimate an enumeration too long to run

GROWTH = (
    [Size(f"buckets-{b}", 5, b, 4, 50) for b in (5, 10, 20, 40, 80)]
    + [Size(f"configs-{c}", 5, 10, 4, c) for c in (25, 50, 100, 200, 400)]
)


def sizes(quick: bool) -> dict[str, str | Size]:
    """Name -> an example's path or a generated Size."""
    out: dict[str, str | Size] = {p.stem: str(p) for p in sorted((ROOT / "examples").glob("*.plan"))}
    out.update({s.name: s for s in [MEDIUM, LARGE, LARGE_CREDITS, LARGE_ACCOUNTS, LARGE_WINDOWS] + ([] if quick else GROWTH)})
    return out


# ---- one size, in its own process -------------------------------------------------


def median_time(function, runs: int):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(name: str, runs: int, cbc_limit: float) -> dict:
    import planlang
    from planlang.check import catalogs
    from solver.milp import backends
    from solver.milp.options import Options
    from solver.milp.compile import compile_model
    from solver.milp.enumerate import count, enumerate_catalogs
    from solver.milp.heuristic import local_search
    from solver.milp.formulation import build
    from solver.milp.solve import checked
    from solver.solution.describe import describe
    from solver.milp.requirements import compile_requirements

    source = sizes(quick=False)[name]
    text = Path(source).read_text() if isinstance(source, str) else source.text()
    planlang.loads(text)  # warm: grammar tables and imports, as a long-lived process has them
    t_parse, model = median_time(lambda: planlang.loads(text), runs)
    t_compile, compiled = median_time(lambda: compile_model(model), runs)
    t_build, (rows, rules, problem) = median_time(
        lambda: (*(rr := compile_requirements(compiled)), build(compiled, *rr)), runs)
    t_start, problem.hint = median_time(lambda: local_search(compiled, rows, rules), runs)
    t_solve, result = median_time(lambda: backends.solve(problem, Options()), runs)
    if result.values is None:
        raise SystemExit(f"{name} is {result.status}: a benchmark needs a catalog to verify")
    offered = problem.offered(result.values)
    t_verify, solution = median_time(lambda: describe(model, checked(compiled, offered)), runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux reports KB)
    total = t_parse + t_compile + t_build + t_start + t_solve + t_verify
    row = {
        "size": name, "buckets": len(compiled.buckets), "plans": len(compiled.plans),
        "configurations": len(compiled.configs), "catalogs": catalogs(model),
        "pairs": sum(len(r) for r in compiled.ranking), "columns": problem.columns, "rows": problem.rows,
        "status": result.status, "gap": result.gap, "objective": solution.objective,
        "parse_s": t_parse, "compile_s": t_compile, "build_s": t_build, "start_s": t_start, "solve_s": t_solve,
        "verify_s": t_verify, "total_s": total, "compile_build_share": (t_compile + t_build) / total,
        "peak_mb": peak,
    }
    cbc = backends.solve(problem, Options(backend="cbc", time_limit=cbc_limit))
    row["cbc_s"], row["cbc_status"] = cbc.seconds, cbc.status
    row["cbc_agrees"] = (cbc.status == "optimal" and result.objective is not None
                         and abs(cbc.objective - result.objective) <= 1e-6 * max(1.0, abs(result.objective)))
    n = count(compiled, rules)
    if n <= ENUMERATE_AT_MOST:
        started = time.perf_counter()
        found = enumerate_catalogs(compiled, rows, rules, limit=n)
        row["enumerate_s"], row["enumerate_estimated"] = time.perf_counter() - started, False
        row["enumerate_agrees"] = found.offered == offered or abs(
            found.objective * problem.objective_scale - result.objective * problem.objective_scale
        ) <= 1e-6 * max(1.0, abs(result.objective * problem.objective_scale))
    else:
        started = time.perf_counter()
        enumerate_catalogs(compiled, rows, rules, sample=SAMPLE)
        row["enumerate_s"] = (time.perf_counter() - started) * n / SAMPLE
        row["enumerate_estimated"], row["enumerate_agrees"] = True, None
    row["milp_speedup"] = row["enumerate_s"] / (t_build + t_start + t_solve)
    return row


def end_to_end(path: str, runs: int) -> float:
    """`planlang solve FILE`, process start included, median seconds."""
    command = [shutil.which("planlang") or sys.exit("planlang is not installed: pip install -e ."), "solve", path]
    subprocess.run(command, capture_output=True, check=True, cwd=ROOT)  # warm the disk cache
    return median_time(lambda: subprocess.run(command, capture_output=True, check=True, cwd=ROOT), runs)[0]


# ---- the whole run ------------------------------------------------------------------

COLUMNS = ["size", "buckets", "plans", "configurations", "catalogs", "pairs", "columns", "rows", "status",
           "gap", "objective", "parse_s", "compile_s", "build_s", "start_s", "solve_s", "verify_s", "total_s",
           "compile_build_share", "peak_mb", "cli_s", "cbc_s", "cbc_status", "cbc_agrees", "enumerate_s",
           "enumerate_estimated", "enumerate_agrees", "milp_speedup"]


def seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 3600:
        return f"{value / 3600:,.0f} h"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def markdown(results: list[dict], runs: int) -> str:
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"HiGHS {_highs_version()}; median of {runs} runs; {time.strftime('%Y-%m-%d')}.",
        "",
        "| size | buckets x configs | catalogs | parse | compile | build | MIP start | HiGHS solve | verify | "
        "compile+build | peak MB | CLI end to end | CBC | enumeration | MILP speed-up |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cbc = seconds(r["cbc_s"]) + ("" if r["cbc_status"] == "optimal" else f" ({r['cbc_status']})")
        enum = ("~" if r["enumerate_estimated"] else "") + seconds(r["enumerate_s"])
        lines.append(
            f"| {r['size']} | {r['buckets']} x {r['configurations']} | {r['catalogs']:.2g} | "
            f"{seconds(r['parse_s'])} | {seconds(r['compile_s'])} | {seconds(r['build_s'])} | "
            f"{seconds(r['start_s'])} | {seconds(r['solve_s'])} | {seconds(r['verify_s'])} | {r['compile_build_share']:.0%} | "
            f"{r['peak_mb']:.0f} | {seconds(r.get('cli_s'))} | {cbc} | {enum} | {r['milp_speedup']:.1f}x |")
    lines += ["", "Times in seconds. `~`: estimated from a timed sample of "
              f"{SAMPLE:,} catalogs. MIP start: the local search (solver/milp/heuristic.py) whose catalog "
              "HiGHS starts from. MILP speed-up: enumeration / (build + MIP start + HiGHS solve)."]
    return "\n".join(lines)


def _highs_version() -> str:
    import highspy

    return highspy.Highs().version()


def write_readme(table: str) -> None:
    path = HERE / "README.md"
    text = path.read_text()
    begin, end = "<!-- results: written by benchmarks/run.py -->", "<!-- /results -->"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{begin}\n{table}\n{end}{tail}")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--runs", type=int, default=3)
    options.add_argument("--quick", action="store_true", help="examples, medium and large only")
    options.add_argument("--cbc-limit", type=float, default=60.0, help="seconds CBC may take per size")
    options.add_argument("--only", nargs="*", help="these sizes only")
    options.add_argument("--worker", help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.runs, args.cbc_limit)))
        return
    results = []
    for name, source in sizes(args.quick).items():
        if args.only and name not in args.only:
            continue
        done = subprocess.run([sys.executable, __file__, "--worker", name, "--runs", str(args.runs),
                               "--cbc-limit", str(args.cbc_limit)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            sys.exit(f"{name}: {done.stderr}")
        row = json.loads(done.stdout)
        if isinstance(source, str):
            row["cli_s"] = end_to_end(source, max(5, args.runs))
        results.append(row)
        print(f"{name:14s} total {row['total_s']:.3f} s (solve {row['solve_s']:.3f}), "
              f"{row['peak_mb']:.0f} MB, CBC {row['cbc_s']:.2f} s {row['cbc_status']}, "
              f"enumeration {'~' if row['enumerate_estimated'] else ''}{row['enumerate_s']:.2f} s", flush=True)
    table = markdown(results, args.runs)
    if not args.only:  # a partial run leaves the recorded results alone
        with open(HERE / "results.csv", "w", newline="") as out:
            writer = csv.DictWriter(out, COLUMNS)
            writer.writeheader()
            writer.writerows(results)
        write_readme(table)
    print(table)


if __name__ == "__main__":
    main()
