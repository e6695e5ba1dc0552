"""The files a command reads and writes, checked before any work starts.

An output is written atomically (the old file stays whole until the new one
is complete) and only where the user asked for it: never over one of the
command's own inputs, never over an existing file the user did not name
(a default such as report.html), never into a directory that is missing or
not writable, and always with a suffix the command can write. Those checks
run before the work, so a long sweep never ends in "cannot write".
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tempfile
from pathlib import Path

MAX_JSON_DEPTH = 200  # the JSON planlang writes nests a dozen levels; far more is not its file


class FileProblem(Exception):
    """A file that cannot be read or written as asked: the message says why
    and what to do."""


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links and `..` too)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet): the same name is the same file
        return a.resolve() == b.resolve()


def check_output(path: Path, *, inputs: list[Path] = (), suffixes: tuple[str, ...] = (), named: bool = True,
                 option: str = "-o") -> None:
    """Raise FileProblem unless `path` may be written: a suffix in
    `suffixes` (any when empty), none of `inputs`, a writable directory, not
    a directory itself, and, when the user did not name it (`named` False:
    a default), not an existing file."""
    if path.is_dir():
        raise FileProblem(f"{option} {path} is a directory: name a file in it")
    if suffixes and not any(path.name.lower().endswith(s) for s in suffixes):
        raise FileProblem(f"{option} {path}: write a {' or a '.join(suffixes)} file")
    for source in inputs:
        if same_file(path, Path(source)):
            raise FileProblem(f"{option} {path} is one of this command's inputs; writing it would replace "
                              "what it reads: name another file")
    folder = path.parent
    if not folder.is_dir():
        raise FileProblem(f"{option} {path}: there is no directory {folder}; make it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(f"{option} {path}: the directory {folder} is not writable")
    if path.exists() and not writable(path):
        raise FileProblem(f"{option} {path}: the file is read-only (make it writable first)")
    if path.exists() and not named:
        raise FileProblem(f"{path} exists and was not named as this command's output: name it with "
                          f"{option} {path} to replace it, or give another name")


def writable(path: Path) -> bool:
    """Whether the user may write `path` (its permission bits, for root too:
    a read-only file is a request not to change it)."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically. A symbolic link keeps pointing
    where it did (its target is rewritten), and a file the user may not
    write is refused, not replaced behind its permissions."""
    path = path.resolve() if path.is_symlink() else path
    if path.exists() and not writable(path):
        raise PermissionError(13, "it is read-only (make it writable first)")
    mode = path.stat().st_mode if path.exists() else 0o666 & ~_umask()
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(temp, mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def temporary_beside(path: Path) -> Path:
    """A fresh name in `path`'s directory for writing it whole before it
    replaces `path` (os.replace within one directory is atomic)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    return Path(temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_json(path: Path, what: str):
    """The JSON value in `path`; FileProblem when it cannot be read, is not
    JSON, or nests deeper than any file planlang writes."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise FileProblem(f"{path} is not {what}: it is not UTF-8 text") from None
    if _depth(text) > MAX_JSON_DEPTH:
        raise FileProblem(f"{path} is not {what}: its JSON nests more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except ValueError as error:
        raise FileProblem(f"{path} is not {what}: not JSON ({error})") from None


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings, found before parsing
    (which recurses once per level)."""
    steps = (1 if b in "[{" else -1 for b in _BRACKET.findall(_STRING.sub("", text)))
    return max(itertools.accumulate(steps), default=0)
