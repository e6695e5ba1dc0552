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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
