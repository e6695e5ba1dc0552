"""The `planlang` command: wires the stages together, nothing more.

Exit codes: 0 done; 1 a negative answer (infeasible, would reformat, a
requirement fails); 2 bad input (the file, the options); 3 an internal error
that left the user's files untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

import planlang
from planlang import PlanError

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


class UserError(Exception):
    """A problem with what the user gave us; shown as a message, exit 2."""


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    typer.echo(f"planlang: {message}", err=True)
    return typer.Exit(code)


def read_model(path: Path) -> tuple[planlang.Model | None, str]:
    """The checked model, or None after printing every problem."""
    try:
        text = planlang.read_source(path)
    except PlanError as error:
        typer.echo(error.render(SHOWN_PROBLEMS), err=True)
        return None, ""
    except OSError as error:
        raise fail(f"cannot read {path}: {error.strerror or error}")
    try:
        return planlang.loads(text, str(path)), text
    except PlanError as error:
        typer.echo(error.render(SHOWN_PROBLEMS), err=True)
        return None, text


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


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
            _plural(len(model.gpus), "gpu pool"),
            _plural(len(model.resources), "resource"),
            _plural(len(model.segments), "segment"),
            _plural(len(model.plans), "plan"),
            _plural(len(model.requirements), "requirement"),
        ]
        typer.echo(f"{path}: ok: {', '.join(parts)}; {_plural(catalogs(model), 'catalog')} "
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
                _replace(path, formatted)
                typer.echo(f"reformatted {path}", err=True)
        else:
            sys.stdout.write(formatted)
    if bad:
        raise typer.Exit(EXIT_INPUT)
    if changed:
        raise typer.Exit(EXIT_NO)


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically: the old file stays whole until the
    new one is complete."""
    mode = path.stat().st_mode
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temp, mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _options(solver_name: str, time_limit: float | None, gap: float):
    from solver.backends import BACKENDS, Options

    if solver_name not in BACKENDS:
        raise fail(f"unknown solver '{solver_name}'; choose one of {', '.join(BACKENDS)}")
    if time_limit is not None and time_limit <= 0:
        raise fail("--time-limit must be above 0 seconds")
    if not 0 <= gap < 1:
        raise fail("--gap is a fraction from 0 (proven optimal) to below 1, e.g. 0.01 for 1%")
    return Options(backend=solver_name, time_limit=time_limit, gap=gap)


EXIT_BY_STATUS = {"optimal": 0, "feasible": 0, "infeasible": EXIT_NO, "unbounded": EXIT_NO}


@app.command()
def solve(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the solution as JSON, and nothing else.")] = False,
    solver_name: Annotated[str, typer.Option("--solver", help="highs (default), cbc or highs-pulp")] = "highs",
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Stop after this many seconds with the best catalog found.")] = None,
    gap: Annotated[float, typer.Option("--gap", help="Stop within this relative gap of the optimum (0.01 = 1%).")] = 0.0,
) -> None:
    """Find the catalog with the best objective, and explain it."""
    from rich.console import Console

    from solver.report import print_solution
    from solver.optimize import SolveInputError, solve as solve_model

    options = _options(solver_name, time_limit, gap)
    model, _ = read_model(file)
    if model is None:
        raise typer.Exit(EXIT_INPUT)
    console = Console(stderr=True)
    try:
        if json_output or not console.is_terminal:
            solution = solve_model(model, options)
        else:
            with console.status("solving..."):
                solution = solve_model(model, options)
    except SolveInputError as error:
        raise fail(f"{file}: {error}")
    if json_output:
        sys.stdout.write(solution.model_dump_json(indent=2) + "\n")
    else:
        print_solution(Console(), str(file), solution)
    if solution.status == "error":
        if not json_output:
            typer.echo(f"planlang: {solution.message}", err=True)
        raise typer.Exit(EXIT_INTERNAL)
    raise typer.Exit(EXIT_BY_STATUS.get(solution.status, EXIT_NO))


@app.command("eval")
def evaluate_catalog(
    file: Annotated[Path, typer.Argument(help="the .plan file")],
    choices: Annotated[Optional[list[str]], typer.Argument(help="more plan.item=value choices", show_default=False)] = None,
    choose: Annotated[Optional[list[str]], typer.Option("--choose", help="plan.price=20, plan.quota.message=5000, plan.overage.image=0.04, plan.pack.video_s=15, plan=off")] = None,
    solution_file: Annotated[Optional[Path], typer.Option("--solution", help="a solution printed by `planlang solve --json`")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON, and nothing else.")] = False,
) -> None:
    """Evaluate one fully chosen catalog directly from the spec's rules (no MILP)."""
    from rich.console import Console

    from solver.choose import ChoiceError, catalog
    from solver.evaluator import evaluate
    from solver.report import print_solution
    from solver.optimize import describe

    model, _ = read_model(file)
    if model is None:
        raise typer.Exit(EXIT_INPUT)
    try:
        chosen = catalog(model, list(choose or []) + list(choices or []), solution_file)
    except ChoiceError as error:
        raise fail(f"{file}: cannot evaluate this catalog:\n  " + str(error).replace("\n", "\n  "))
    solution = describe(model, evaluate(model, chosen))
    if json_output:
        sys.stdout.write(solution.model_dump_json(indent=2) + "\n")
    else:
        print_solution(Console(), str(file), solution)
    raise typer.Exit(0 if solution.status == "feasible" else EXIT_NO)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
