"""The `planlang` command: reads what the user names, hands it to the
stages (planlang/ for the language, solver/ for the rest), and writes what
they return. It checks every output it will write before the work starts
(solver/files.py) and keeps stdout for the command's result alone.

Exit codes: 0 done; 1 a negative answer (infeasible, would reformat, a
requirement fails); 2 bad input (the file, the options); 3 an internal error
that left the user's files untouched.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

import planlang
from planlang import PlanError
from planlang.diagnostics import plural
from solver.files import FileProblem, check_output, read_json, replace

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Price AI products: check, format and solve .plan files.",
)

EXIT_NO = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
SHOWN_PROBLEMS = 100


def load_file(path: Path) -> tuple[planlang.Model | None, str, str]:
    """The checked model (or None), the text, and the report of what is
    wrong with it ("" when nothing)."""
    try:
        text = planlang.read_source(path)
    except PlanError as error:
        return None, "", error.render(SHOWN_PROBLEMS)
    except OSError as error:
        return None, "", f"planlang: cannot read {path}: {error.strerror or error}"
    try:
        return planlang.loads(text, str(path)), text, ""
    except PlanError as error:
        return None, text, error.render(SHOWN_PROBLEMS)


def read_model(path: Path) -> tuple[planlang.Model | None, str]:
    """The checked model, or None after printing every problem (a file that
    cannot be read is one more problem: the other files are still read)."""
    model, text, report = load_file(path)
    if report:
        typer.echo(report, err=True)
    return model, text


class Reply:
    """How one command answers: its result on stdout (tables, text, or one
    JSON document with --json) and every message on stderr. With --json a
    failure is a document too, `{"status": "error", "message": ...}`, so a
    program reading stdout always reads one JSON document."""

    def __init__(self, json_output: bool = False):
        self.json = json_output

    def fail(self, message: str, code: int = EXIT_INPUT) -> typer.Exit:
        typer.echo(f"planlang: {message}", err=True)
        return self._failed(message, code)

    def _failed(self, message: str, code: int) -> typer.Exit:
        if self.json:
            self.document({"status": "error", "message": message})
        return typer.Exit(code)

    def document(self, data) -> None:
        """One JSON document on stdout (a pydantic model's JSON, or data)."""
        sys.stdout.write((data if isinstance(data, str) else json.dumps(data, indent=2)) + "\n")

    def model(self, path: Path) -> tuple[planlang.Model, str]:
        """The checked model of `path` and its text, or the exit after every
        problem in it is printed."""
        model, text, report = load_file(path)
        if model is None:
            typer.echo(report, err=True)
            raise self._failed(report, EXIT_INPUT)
        return model, text

    def output(self, path: Path | None, **checks) -> None:
        """Refuse, before any work, an output `path` that may not be written
        (see files.check_output for `checks`)."""
        if path is None:
            return
        try:
            check_output(path, **checks)
        except FileProblem as error:
            raise self.fail(str(error)) from None

    def write(self, path: Path, text: str) -> None:
        """A file the user asked for, written atomically."""
        try:
            replace(path, text)
        except OSError as error:
            raise self.fail(f"cannot write {path}: {error.strerror or error}") from None


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    """The exit after a message, for commands that print no JSON."""
    return Reply().fail(message, code)


def _version(show: bool) -> None:
    if not show:
        return
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {installed(name)}" for name in ("highspy", "PuLP", "lark", "pydantic", "numpy"))
    typer.echo(f"planlang {installed('planlang')} (Python {sys.version.split()[0]}; {libraries})")
    raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print planlang's version and its solver libraries', then stop.")] = False,
) -> None:
    """Price AI products: check, format and solve .plan files."""


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help=".plan files to check")]) -> None:
    """Check .plan files and report every problem in them."""
    from planlang.check import catalogs

    bad = 0
    for path in files:
        model, _ = read_model(path)
        if model is None:
            bad += 1
            continue
        parts = [
            plural(len(model.gpus), "gpu pool"),
            plural(len(model.resources), "resource"),
            plural(len(model.segments), "segment"),
            plural(len(model.plans), "plan"),
            plural(len(model.requirements), "requirement"),
        ]
        typer.echo(f"{path}: ok: {', '.join(parts)}; {plural(catalogs(model), 'catalog')} "
                   "to choose from")
    if bad:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def fmt(
    files: Annotated[list[Path], typer.Argument(help=".plan files to format")],
    write: Annotated[bool, typer.Option("--write", "-w", help="Rewrite the files in place.")] = False,
    check_only: Annotated[bool, typer.Option("--check", help="Only report files that would change (exit 1).")] = False,
) -> None:
    """Print .plan files in canonical layout (or rewrite them with --write)."""
    if write and check_only:
        raise fail("--write and --check exclude each other")
    bad = changed = 0
    for path in files:
        model, text = read_model(path)
        if model is None:
            bad += 1
            continue
        formatted = planlang.dumps(model)
        try:
            same = planlang.loads(formatted, str(path)) == model
        except PlanError:
            same = False
        if not same:
            typer.echo(f"planlang: internal error: formatting {path} would change its meaning; "
                       "the file is left as it is. Please report this.", err=True)
            raise typer.Exit(EXIT_INTERNAL)
        if check_only:
            if formatted != planlang.normalize(text):
                changed += 1
                typer.echo(f"would reformat {path}")
        elif write:
            if formatted != text:
                try:
                    replace(path, formatted)
                except OSError as error:
                    typer.echo(f"planlang: cannot rewrite {path}: {error.strerror or error}; "
                               "it is left as it was", err=True)
                    bad += 1
                    continue
                typer.echo(f"reformatted {path}", err=True)
        else:
            sys.stdout.write(formatted)
    if bad:
        raise typer.Exit(EXIT_INPUT)
    if changed:
        raise typer.Exit(EXIT_NO)


def _options(reply: Reply, solver_name: str, time_limit: float | None, gap: float):
    from solver.milp.options import SOLVERS, Options

    if solver_name not in SOLVERS:
        raise reply.fail(f"unknown solver '{solver_name}'; choose one of {', '.join(SOLVERS)}")
    if time_limit is not None and time_limit <= 0:
        raise reply.fail("--time-limit must be above 0 seconds")
    if not 0 <= gap < 1:
        raise reply.fail("--gap is a fraction from 0 (proven optimal) to below 1, e.g. 0.01 for 1%")
    return Options(backend=solver_name, time_limit=time_limit, gap=gap)


def _seed(reply: Reply, seed: int) -> int:
    if seed < 0:
        raise reply.fail(f"--seed is a whole number from 0 up, not {seed}")
    return seed


def _workers(reply: Reply, jobs: int | None, scheduler: str | None) -> None:
    """--jobs and --scheduler, checked before any work."""
    from solver.analysis.cluster import ClusterError, check_scheduler

    if jobs is not None and jobs < 1:
        raise reply.fail("--jobs must be at least 1")
    if scheduler is not None:
        try:
            check_scheduler(scheduler)
        except ClusterError as error:
            raise reply.fail(f"--scheduler {error}") from None


# Options of the commands that run many solves on Dask (sweep, risk).
Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", help="Worker processes of the local Dask cluster "
                                             "(default: every core; 1: no cluster).")]
Scheduler = Annotated[Optional[str], typer.Option("--scheduler", help="A running Dask cluster, e.g. "
                                                  "tcp://HOST:8786 (default: a local one).")]
Seed = Annotated[int, typer.Option("--seed", help="The samples' seed, from 0: the same seed gives the same samples.")]

EXIT_BY_STATUS = {"optimal": 0, "feasible": 0, "infeasible": EXIT_NO, "unbounded": EXIT_NO}


@app.command()
def solve(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the solution as JSON, and nothing else.")] = False,
    solver_name: Annotated[str, typer.Option("--solver", help="highs (default), cbc, highs-pulp, or enumerate (tries every catalog; small files only)")] = "highs",
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Seconds for the whole command: the search stops with the best catalog found, and --explain prices what time is left.")] = None,
    gap: Annotated[float, typer.Option("--gap", help="Stop within this relative gap of the optimum (0.01 = 1%).")] = 0.0,
    explain: Annotated[bool, typer.Option("--explain", help="Add unit economics per bucket and what each requirement costs (shadow prices).")] = False,
    robust: Annotated[bool, typer.Option("--robust", help="The one catalog with the best mean objective over sampled worlds (--vary), every requirement holding in each.")] = False,
    vary: Annotated[Optional[list[str]], typer.Option("--vary", help="with --robust: PATH=DIST, as `planlang risk` takes it")] = None,
    samples: Annotated[int, typer.Option("--samples", help="with --robust: sampled worlds")] = 20,
    seed: Seed = 0,
) -> None:
    """Find the catalog with the best objective, and explain it."""
    from dataclasses import replace

    from rich.console import Console

    from solver.analysis.optimize import SolveInputError, solve as solve_model
    from solver.milp.progress import Progress
    from solver.views.terminal import print_explained, print_solution

    reply = Reply(json_output)
    options = _options(reply, solver_name, time_limit, gap).started()  # a deadline for the whole command
    options = replace(options, progress=Progress(lambda line: typer.echo(line, err=True)))  # long solves only
    if robust or vary:
        _solve_robust(reply, file, vary or [], samples, _seed(reply, seed), options)
        return
    model, _ = reply.model(file)
    console = Console(stderr=True)
    try:
        if json_output or not console.is_terminal:
            solution = solve_model(model, options, explain=explain)
        else:
            with console.status("solving..."):
                solution = solve_model(model, options, explain=explain)
    except SolveInputError as error:
        raise reply.fail(f"{file}: {error}")
    if json_output:
        reply.document(solution.model_dump_json(indent=2))
    else:
        print_solution(Console(), str(file), solution)
        if explain:
            print_explained(Console(), solution)
    if solution.status == "error":
        if not json_output:
            typer.echo(f"planlang: {solution.message}", err=True)
        raise typer.Exit(EXIT_NO if solution.stopped else EXIT_INTERNAL)
    raise typer.Exit(EXIT_BY_STATUS.get(solution.status, EXIT_NO))


def _solve_robust(reply: Reply, file: Path, vary: list[str], samples: int, seed: int, options) -> None:
    from dataclasses import asdict

    from rich.console import Console

    from solver.views.terminal import print_robust
    from solver.analysis.risk import RiskError, robust

    if options.backend not in ("highs", "cbc", "highs-pulp"):
        raise reply.fail("--robust solves one MILP: use --solver highs, cbc or highs-pulp")
    model, text = reply.model(file)
    try:
        result = robust(model, text, vary, samples, seed, options)
    except RiskError as error:
        raise reply.fail(f"{file}: {error}")
    if reply.json:
        reply.document({"status": "optimal" if result.choices is not None else "infeasible", **asdict(result)})
    else:
        print_robust(Console(), str(file), result)
    if result.choices is None:
        raise typer.Exit(EXIT_NO)


@app.command("eval")
def evaluate_catalog(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    choices: Annotated[Optional[list[str]], typer.Argument(help="more plan.item=value choices", show_default=False)] = None,
    choose: Annotated[Optional[list[str]], typer.Option("--choose", help="plan.price=20, plan.quota.message=5000, plan.overage.image=0.04, plan.pack.video_s=15, plan=off; "
                                                                                            "credits: plan.credits=2000, plan.rate.video_s=10, plan.pack.credits=8, plan.overage.credits=0.01; "
                                                                                            "tiers: plan.overage.message.tier1=0.004")] = None,
    solution_file: Annotated[Optional[Path], typer.Option("--solution", help="a solution printed by `planlang solve --json`")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON, and nothing else.")] = False,
) -> None:
    """Evaluate one fully chosen catalog directly from the spec's rules (no MILP)."""
    from rich.console import Console

    from solver.solution.choose import ChoiceError, catalog
    from solver.semantics.evaluator import evaluate
    from solver.solution.describe import describe
    from solver.views.terminal import print_solution

    reply = Reply(json_output)
    model, _ = reply.model(file)
    try:
        chosen = catalog(model, list(choose or []) + list(choices or []), solution_file)
    except ChoiceError as error:
        raise reply.fail(f"{file}: cannot evaluate this catalog:\n  " + str(error).replace("\n", "\n  "))
    solution = describe(model, evaluate(model, chosen))
    if json_output:
        reply.document(solution.model_dump_json(indent=2))
    else:
        print_solution(Console(), str(file), solution)
    raise typer.Exit(0 if solution.status == "feasible" else EXIT_NO)


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    settings: Annotated[list[str], typer.Option("--set", help="PATH=RANGE, e.g. gpu.h100.hourly=x1..x0.1 step 0.1, "
                                                "plan.plus.price=10..30 step 5, segment.casual.users=100M,200M; "
                                                "several make a grid")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the points to a .csv or .json file.")] = None,
    report_path: Annotated[Optional[Path], typer.Option("--report", help="Also write an HTML report of the sweep.")] = None,
    jobs: Jobs = None,
    solver_name: Annotated[str, typer.Option("--solver", help="highs (default), cbc, highs-pulp or enumerate")] = "highs",
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Seconds per point.")] = None,
    scheduler: Scheduler = None,
) -> None:
    """Re-solve the file over a grid of changed numbers (what-if)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from planlang.edit import EditError
    from solver.analysis.cluster import ClusterError
    from solver.analysis.sweep import SweepError, sweep as run_sweep
    from solver.views.terminal import print_sweep

    reply = Reply()
    options = _options(reply, solver_name, time_limit, 0.0)
    _workers(reply, jobs, scheduler)
    reply.output(output, inputs=[file], suffixes=(".csv", ".json"), option="--output")
    reply.output(report_path, inputs=[file] + ([output] if output else []), suffixes=(".html",), option="--report")
    axes: dict[str, str] = {}
    for setting in settings:
        path, equals, written = setting.partition("=")
        if not equals or not path.strip() or not written.strip():
            raise reply.fail(f"--set {setting}: write PATH=RANGE, e.g. gpu.h100.hourly=x1..x0.1 step 0.1")
        if path.strip() in axes:
            raise reply.fail(f"--set {path.strip()} is given twice; give one range per number "
                             "(a list such as 20,25,30 takes several values)")
        axes[path.strip()] = written
    model, text = reply.model(file)
    console = Console(stderr=True)
    with Progress(TextColumn("sweeping"), BarColumn(), MofNCompleteColumn(), TextColumn("points"),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task("sweep", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = run_sweep(file, axes, text=text, options=options, jobs=jobs, scheduler=scheduler,
                               on_point=advance)
        except (SweepError, EditError, ClusterError) as error:
            raise reply.fail(f"{file}: {error}")
    print_sweep(Console(), result)
    if output is not None:
        reply.write(output, result.model_dump_json(indent=2) + "\n" if output.suffix.lower() == ".json"
                    else _csv(result.records()))
        typer.echo(f"wrote {plural(len(result.points), 'point')} to {output}", err=True)
    if report_path is not None:
        from solver.views.html import render
        from solver.analysis.optimize import solve as solve_model

        reply.write(report_path, render(str(file), solve_model(model, options), result))
        typer.echo(f"wrote {report_path}", err=True)


def _csv(rows: list[dict]) -> str:
    """Rows as CSV text, columns in the order first seen."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(dict.fromkeys(key for row in rows for key in row)))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@app.command()
def report(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="the HTML file to write (default report.html, which must not exist yet)")] = None,
    sweep_file: Annotated[Optional[Path], typer.Option("--sweep", help="a sweep written by `planlang sweep -o X.json`, to chart too")] = None,
    solver_name: Annotated[str, typer.Option("--solver", help="highs (default), cbc, highs-pulp or enumerate")] = "highs",
    bucket: Annotated[Optional[str], typer.Option("--bucket", help="SEGMENT:N: the bucket whose months to chart (default each segment's heaviest on a plan whose months differ or carry)")] = None,
) -> None:
    """Write one self-contained HTML page with charts of the optimal catalog."""
    from pydantic import ValidationError

    from solver.views.html import render
    from solver.analysis.optimize import SolveInputError, solve as solve_model
    from solver.analysis.sweep import SweepResult

    reply = Reply()
    options = _options(reply, solver_name, None, 0.0)
    target = output or Path("report.html")
    reply.output(target, inputs=[file] + ([sweep_file] if sweep_file else []), suffixes=(".html", ".htm"),
                 named=output is not None)
    result = None
    if sweep_file is not None:
        try:
            result = SweepResult.model_validate(read_json(sweep_file, "a sweep written by `planlang sweep -o FILE.json`"))
        except FileProblem as error:
            raise reply.fail(str(error))
        except ValidationError:
            raise reply.fail(f"{sweep_file} is not a sweep written by `planlang sweep -o FILE.json`")
    model, _ = reply.model(file)
    chosen = _bucket(reply, model, bucket) if bucket is not None else None
    try:
        solution = solve_model(model, options)
    except SolveInputError as error:
        raise reply.fail(f"{file}: {error}")
    if solution.solved and model.competitors:  # what each one costs the catalog
        from solver.analysis.competitors import competitor_values

        solution.competitors = competitor_values(model, solution, options, solve_model)
    reply.write(target, render(str(file), solution, result, chosen))
    typer.echo(f"wrote {target}", err=True)


def _bucket(reply: Reply, model, text: str) -> tuple[str, int]:
    """`--bucket creator:7`: a segment of the file and one of its buckets."""
    name, _, number = text.partition(":")
    segment = model.segments.get(name)
    if segment is None or not number.isdigit() or not 1 <= int(number) <= segment.bucket_count:
        known = ", ".join(f"{n}:1..{s.bucket_count}" for n, s in model.segments.items())
        raise reply.fail(f"--bucket {text}: write SEGMENT:N, one of {known}")
    return name, int(number)


def _columns(reply: Reply, text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        key, sep, name = part.partition("=")
        if not sep or not key.strip() or not name.strip():
            raise reply.fail(f"--columns takes KEY=COLUMN pairs, e.g. user=customer_id,resource=event_name; not '{part}'")
        out[key.strip()] = name.strip()
    return out


def _progress_bar(files: list[str]):
    """A progress bar on stderr while large inputs (~1M rows and more) are
    summed; None for small ones or when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    rows = sum(Path(f).stat().st_size / (10 if ".parquet" in Path(f).suffixes else 40) for f in files)  # about
    if rows < 1_000_000 or not console.is_terminal:
        return None, None
    bar = Progress(console=console, transient=True)
    task = bar.add_task("summing events", total=100)
    return bar, lambda done: bar.update(task, completed=done)


@app.command()
def fit(
    events: Annotated[list[str], typer.Argument(help="usage events: .csv, .parquet or .jsonl files (or .gz), or globs")],
    users: Annotated[Optional[Path], typer.Option("--users", help="a .csv or .parquet table of user and segment")] = None,
    month: Annotated[Optional[str], typer.Option("--month", help="YYYY-MM (UTC); default the month with the most events")] = None,
    buckets: Annotated[Optional[int], typer.Option("--buckets", help="buckets per segment (default 10; with --into, each segment's own)")] = None,
    columns: Annotated[Optional[str], typer.Option("--columns", help="other column names: user=customer_id,resource=event_name,quantity=value,time=ts")] = None,
    scale: Annotated[float, typer.Option("--scale", help="the share of all users the events cover: users = count / scale")] = 1.0,
    json_output: Annotated[bool, typer.Option("--json", help="Print the fitted figures as JSON.")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the segment blocks to this file.")] = None,
    into: Annotated[Optional[Path], typer.Option("--into", help="Rewrite the users, buckets and usage lines of these segments in this .plan file.")] = None,
    months: Annotated[bool, typer.Option("--months", help="Also fit `months` from every calendar month the events hold (each against their mean); usage is then the mean month's.")] = False,
) -> None:
    """Fit segments (users, buckets, usage) to usage events."""
    from planlang.usage.fit import FitError, expand, fit as fit_events, into as merged, segments_text

    reply = Reply(json_output)
    if sum([json_output, output is not None, into is not None]) > 1:
        raise reply.fail("choose one of --json, -o and --into")
    try:
        files = expand(events)
    except FitError as error:
        raise reply.fail(str(error))
    reply.output(output, inputs=[Path(f) for f in files] + ([users] if users else []))
    sizes: int | dict[str, int] = buckets if buckets is not None else 10
    text = ""
    if into is not None:
        reply.output(into, inputs=[Path(f) for f in files] + ([users] if users else []), option="--into")
        model, text = reply.model(into)
        if buckets is None:
            sizes = {name: segment.bucket_count for name, segment in model.segments.items()}
    try:
        bar, progress = _progress_bar(files)
        if bar is not None:
            with bar:
                result = fit_events(files, users, month, sizes, _columns(reply, columns), scale, progress, months)
        else:
            result = fit_events(files, users, month, sizes, _columns(reply, columns), scale, months=months)
        for note in result.notes(users):
            typer.echo(f"planlang: {note}", err=True)
        if json_output:
            reply.document(result.model_dump(mode="json"))
            return
        if into is None:
            fitted = segments_text(result, ", ".join(events))
            if output is None:
                typer.echo(fitted, nl=False)
            else:
                reply.write(output, fitted)
                typer.echo(f"wrote {output}", err=True)
            return
        new_text, notes = merged(result, text, str(into))
    except FitError as error:
        raise reply.fail(str(error))
    for note in notes:
        typer.echo(f"planlang: {note}", err=True)
    try:
        planlang.loads(new_text, str(into))
    except PlanError as error:
        typer.echo(error.render(SHOWN_PROBLEMS), err=True)
        raise reply.fail(f"{into} left untouched: the fitted file would not check (above)")
    reply.write(into, new_text)
    typer.echo(f"fitted {plural(len(result.segments), 'segment')} of {into} to {plural(result.events, 'event')} "
               f"in {result.month}", err=True)


def _last_month() -> str:
    from datetime import datetime, timezone

    today = datetime.now(timezone.utc)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(help="the .plan file whose segments to simulate")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help=".parquet, .csv or .jsonl (or .csv.gz, .jsonl.gz); default events.parquet, which must not exist yet")] = None,
    month: Annotated[Optional[str], typer.Option("--month", help="YYYY-MM (UTC); default last month")] = None,
    scale: Annotated[float, typer.Option("--scale", help="the share of each segment's users to simulate")] = 0.001,
    seed: Annotated[int, typer.Option("--seed", help="the random seed, from 0: the same seed writes the same log")] = 0,
    events: Annotated[int, typer.Option("--events", help="most events per user and resource in the month")] = 20,
    users: Annotated[Optional[Path], typer.Option("--users", help="where the users table goes (default users.csv beside the log, which must not exist yet)")] = None,
) -> None:
    """Write a synthetic usage log (and its users table) from a plan's segments."""
    from planlang.usage.fit import FitError
    from planlang.usage.simulate import event_format, simulate as write_log

    reply = Reply()
    _seed(reply, seed)
    log = output or Path("events.parquet")
    table = users or log.parent / "users.csv"
    try:
        event_format(log)
    except FitError as error:
        raise reply.fail(str(error))
    reply.output(log, inputs=[file], named=output is not None)
    reply.output(table, inputs=[file, log], suffixes=(".csv",), named=users is not None, option="--users")
    model, _ = reply.model(file)
    try:
        done = write_log(model, log, month or _last_month(), scale, seed, events, table)
    except FitError as error:
        raise reply.fail(str(error))
    typer.echo(f"wrote {log}: {plural(done.events, 'event')} of {plural(done.users, 'user')} in {done.month}; "
               f"users in {table}", err=True)


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    to: Annotated[str, typer.Option("--to", help="stripe or lago")],
    solution_file: Annotated[Optional[Path], typer.Option("--solution", help="a solution printed by `planlang solve --json` (else the file is solved)")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the requests to this file (else print them).")] = None,
    send: Annotated[bool, typer.Option("--apply", help="Send the requests, with the key in STRIPE_API_KEY or LAGO_API_KEY; a dry run without --yes.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --apply: make the changes, not only list them.")] = False,
    api_base: Annotated[Optional[str], typer.Option("--api-base", help="The API's address (default the target's own).")] = None,
    approximate: Annotated[bool, typer.Option("--approximate", help="Also send prices that bill close to, not exactly, what the plan says (each named in a note with its worst over- and undercharge).")] = False,
    meter_unit: Annotated[list[str], typer.Option("--meter-unit", help="RESOURCE=UNIT for a resource used in fractions: meters count whole units of UNIT (0.1, 0.01, ... 0.000001), so fractional usage bills exactly.")] = [],
    archive: Annotated[bool, typer.Option("--archive", help="With --apply: archive (active: false) the Stripe prices replaced and the products of plans that left the catalog; without it they are listed.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse (exit 2, nothing written or sent) when any item cannot be billed exactly.")] = False,
) -> None:
    """Write the chosen catalog as Stripe or Lago API requests, or send them.
    A price is sent only if it bills, to the cent, what the plan says on
    every usage of a grid around its quotas, packs and tier bounds; what
    cannot be is left out and listed (`left_out`)."""
    from solver.billing.export import TARGETS, ExportError, export as requests_for, meter_units
    from solver.billing.api import KEY_VARIABLE, ApplyError, apply, check_base
    from solver.analysis.optimize import SolveInputError, solve as solve_model
    from solver.solution.describe import describe

    reply = Reply()
    if to not in TARGETS:
        raise reply.fail(f"--to takes stripe or lago, not '{to}'")
    reply.output(output, inputs=[file] + ([solution_file] if solution_file else []))
    key = os.environ.get(KEY_VARIABLE[to])
    if send and not key:
        raise reply.fail(f"--apply takes the API key from {KEY_VARIABLE[to]} (never from a flag or a file): set it")
    if send and api_base is not None:
        try:
            check_base(api_base)
        except ApplyError as error:
            raise reply.fail(str(error))
    model, _ = reply.model(file)
    wrong = [item for item in meter_unit if "=" not in item]
    if wrong:
        raise reply.fail(f"--meter-unit takes RESOURCE=UNIT (gb=0.01), not '{wrong[0]}'")
    units = dict(item.partition("=")[::2] for item in meter_unit)
    try:
        meter_units(model, units)
    except ExportError as error:
        raise reply.fail(f"--meter-unit: {error}")
    try:
        if solution_file is not None:
            from solver.solution.choose import ChoiceError, catalog
            from solver.semantics.evaluator import evaluate

            try:
                solution = describe(model, evaluate(model, catalog(model, [], solution_file)))
            except ChoiceError as error:
                raise reply.fail(f"{solution_file}: {error}")
        else:
            solution = solve_model(model)
        result = requests_for(model, solution, to, approximate=approximate, units=units)
    except (ExportError, SolveInputError) as error:
        raise reply.fail(f"{file}: {error}")
    for note in result["notes"]:
        typer.echo(f"note: {note}", err=True)
    if strict and result["left_out"]:
        items = "; ".join(f"plan {item['plan']}: {item['item']}" for item in result["left_out"])
        raise reply.fail(f"{file}: --strict: {plural(len(result['left_out']), 'item')} cannot be billed exactly on "
                         f"{to.title()} ({items}); nothing was written or sent")
    if send:
        try:
            steps = apply(result, key, api_base, send=yes, archive=archive)
        except ApplyError as error:
            raise reply.fail(str(error))
        for step in steps:
            typer.echo(str(step))
        if not yes:
            typer.echo("dry run: nothing was changed; add --yes to make these changes", err=True)
        return
    text = json.dumps(result, indent=2)
    if output is None:
        reply.document(text)
    else:
        reply.write(output, text + "\n")
        typer.echo(f"wrote {output}: {plural(len(result['requests']), 'request')}", err=True)


@app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="requests written by `planlang export`, or a dump of the objects (Stripe: meters, products, prices; Lago: billable_metrics, plans)")],
    from_: Annotated[str, typer.Option("--from", help="stripe or lago")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the plans to this file (else print them).")] = None,
) -> None:
    """Read a catalog back from Stripe or Lago requests, as plan blocks."""
    from solver.billing.export import TARGETS, ExportError, import_catalog

    reply = Reply()
    if from_ not in TARGETS:
        raise reply.fail(f"--from takes stripe or lago, not '{from_}'")
    reply.output(output, inputs=[source])
    try:
        text = import_catalog(read_json(source, f"a {from_} export or dump"), from_)
    except FileProblem as error:
        raise reply.fail(str(error))
    except ExportError as error:
        raise reply.fail(f"{source}: {error}")
    if output is None:
        sys.stdout.write(text)
    else:
        reply.write(output, text)
        typer.echo(f"wrote {output}", err=True)


@app.command()
def risk(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    vary: Annotated[list[str], typer.Option("--vary", help="PATH=normal(MEAN, SD)|uniform(LO, HI)|triangular(LO, MODE, HI)|lognormal(median = M, p90 = X); xF for factors of the file's number")],
    samples: Annotated[int, typer.Option("--samples", help="sampled worlds (at most 10,000)")] = 100,
    seed: Seed = 0,
    reoptimize: Annotated[bool, typer.Option("--reoptimize", help="Also solve every world: the regret of the fixed catalog.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the figures and every sample as JSON.")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the samples to a .csv or .parquet file.")] = None,
    report_path: Annotated[Optional[Path], typer.Option("--report", help="Write an HTML page: the margin's histogram and a tornado chart.")] = None,
    jobs: Jobs = None,
    scheduler: Scheduler = None,
) -> None:
    """How the chosen catalog's margin moves when numbers of the file are uncertain."""
    from rich.console import Console
    from rich.progress import Progress

    from solver.analysis.cluster import ClusterError
    from solver.views.terminal import print_risk
    from solver.analysis.risk import RiskError, run

    reply = Reply(json_output)
    _seed(reply, seed)
    _workers(reply, jobs, scheduler)
    reply.output(output, inputs=[file], suffixes=(".csv", ".parquet"))
    reply.output(report_path, inputs=[file] + ([output] if output else []), suffixes=(".html",), option="--report")
    model, text = reply.model(file)
    console = Console(stderr=True)
    try:
        if console.is_terminal and not json_output:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task("sampling worlds", total=samples)
                result = run(model, text, vary, samples, seed, reoptimize,
                             lambda done, _: bar.update(task, completed=done), jobs, scheduler)
        else:
            result = run(model, text, vary, samples, seed, reoptimize, jobs=jobs, scheduler=scheduler)
    except (RiskError, ClusterError) as error:
        raise reply.fail(f"{file}: {error}")
    rows = result.rows()
    if output is not None:
        _write_rows(reply, output, rows)
        typer.echo(f"wrote {output}: {plural(len(rows), 'sample')}", err=True)
    if report_path is not None:
        from solver.views.html import render_risk
        from solver.analysis.risk import tornado

        reply.write(report_path, render_risk(str(file), result, *tornado(model, text, result)))
        typer.echo(f"wrote {report_path}", err=True)
    if json_output:
        reply.document({**result.figures(), "worlds": rows})
        return
    print_risk(Console(), str(file), result)


def _write_rows(reply: Reply, path: Path, rows: list[dict]) -> None:
    """Rows to CSV, or to Parquet through DuckDB, atomically."""
    if path.suffix.lower() != ".parquet":
        reply.write(path, _csv(rows))
        return
    import duckdb
    import numpy as np

    from solver.files import temporary_beside

    columns = {key: np.array([row[key] if row[key] is not None else np.nan for row in rows])
               if not isinstance(rows[0][key], str) else np.array([row[key] for row in rows]) for key in rows[0]}
    temp = temporary_beside(path)
    try:
        con = duckdb.connect()
        con.register("rows", columns)
        con.table("rows").to_parquet(str(temp))  # the name passes as a value, never inside SQL text
        temp.replace(path)
    except (OSError, duckdb.Error) as error:
        raise reply.fail(f"cannot write {path}: {error}") from None
    finally:
        temp.unlink(missing_ok=True)


@app.command()
def lsp() -> None:
    """Run the language server for editors (over stdin and stdout)."""
    from planlang.editor.lsp import serve

    serve()


def _claim_stdout() -> None:
    """Only what planlang writes reaches standard output: sys.stdout moves to
    a private copy of it, and file descriptor 1 points at stderr, where
    whatever a library's C code or a child process prints there ends up. So
    `planlang solve --json | jq` reads one JSON document, whichever solver
    library version is installed."""
    try:
        sys.stdout.flush()
        real = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):  # no stdout or stderr to move: nothing to guard
        return
    encoding, errors = getattr(sys.stdout, "encoding", None), getattr(sys.stdout, "errors", None)
    sys.stdout = open(real, "w", buffering=1 if os.isatty(real) else -1, encoding=encoding or "utf-8",
                      errors=errors or "strict")


def main() -> None:
    _claim_stdout()
    try:
        app()
    except Exception as error:  # a bug: say so in one line, never a traceback
        typer.echo(f"planlang: internal error: {type(error).__name__}: {error}. Your files are untouched; "
                   "please report this with the command and the .plan file.", err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
