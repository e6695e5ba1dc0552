"""Text to statement nodes, with every syntax error found and located.

A valid file is parsed in one go, the builder (build.py) making nodes as
lark reduces. When that fails, the file is cut into statements (at newlines
outside brackets and blocks) and each is parsed on its own, so one mistake
does not hide the next; inside a broken block each line of items is parsed
on its own too. A piece is parsed behind as many newlines as precede it in
the file, so every position is already the file's own.

Nothing from lark leaves this module as an exception: every lark error (and
the lexer's refusals of absurd nesting) becomes a `Diagnostic`.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.utils import TextSlice

from planlang.syntax.build import COMMA_IN_NUMBER, Builder
from planlang.diagnostics import Diagnostic, Problems, did_you_mean
from planlang.items import BLOCKS, NAMED, STATEMENTS, item_starts
from planlang.syntax.lexer import PlanLexer, TooComplex
from planlang.model import NO_TRIVIA, Competitor, Gpu, Plan, Ref, Resource, Segment, Span
from planlang.units import ALL_UNITS

def cache_file() -> str | bool:
    """Where lark keeps the grammar's parse tables between runs: a file in a
    directory of this user's only (`$XDG_CACHE_HOME/planlang`, else
    `~/.cache/planlang`, made with mode 0700). The cache is a pickle, so a
    file anyone else could write would run their code in planlang (lark's
    own `cache=True` uses a predictable name in the shared temp directory).
    No cache (False) when such a directory cannot be had: parsing then
    builds the tables afresh, a few hundred milliseconds."""
    if not hasattr(os, "getuid"):
        return False
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "planlang"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(base)
    except (OSError, RuntimeError):
        return False
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() \
            or info.st_mode & 0o077:
        return False
    return str(base / "grammar.lark.cache")


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, Builder]:
    grammar = files("planlang.syntax").joinpath("grammar.lark").read_text(encoding="utf-8")
    builder = Builder()
    lark = Lark(
        grammar,
        parser="lalr",
        start=["start", "items"],
        lexer=PlanLexer,
        keep_all_tokens=True,
        maybe_placeholders=False,
        transformer=builder,
        cache=cache_file(),
    )
    return lark, builder


def _lark() -> Lark:
    return _parser()[0]


# The builder is bound to the one Lark instance and collects per parse.
_LOCK = threading.Lock()


@dataclass
class Parsed:
    """Statement nodes, the problems found while parsing and building, and
    what the checker must not complain about because a syntax error already
    hides it: names declared by broken statements, and the first lines of
    blocks that lost some items."""

    statements: list = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    broken_names: dict[str, set[str]] = field(default_factory=dict)
    partial_lines: set[int] = field(default_factory=set)
    money: list = field(default_factory=list)  # every amount written, for the currency check


def parse(text: str) -> Parsed:
    out = Parsed()
    binary = _binary_data(text)
    if binary:
        out.problems.append(binary)
        return out
    with _LOCK:
        lark, builder = _parser()
        builder.problems, builder.partial, builder.amounts = Problems(), set(), []
        try:
            out.statements = lark.parse(text, start="start")
        except (UnexpectedInput, TooComplex):
            builder.problems, builder.partial, builder.amounts = Problems(), set(), []
            _Recovery(text, lark, builder, out).run()
        out.problems.extend(builder.problems.found)
        out.partial_lines |= builder.partial
        out.money = builder.amounts
    return out


# ---- a broken file, statement by statement ----------------------------------------

# A line that can only start a statement: a block's header (`gpu` only with its `{`: `gpu = ...` is a
# resource's setting), or a statement word that no item starts with.
_TOP_LEVEL = re.compile(
    r"\s*(?:(?:" + "|".join(b for b in BLOCKS if b != "gpu") + r")\s+[A-Za-z_]\w*|gpu\s+[A-Za-z_]\w*\s*\{"
    r"|(?:" + "|".join(w for w in STATEMENTS if w not in BLOCKS and w not in NAMED) + r")\b)"
)
_DECLARES = re.compile(r"\s*(" + "|".join(NAMED) + r")\s+([A-Za-z_]\w*)")
_HEADER = re.compile(r"\s*(" + "|".join(BLOCKS) + r")\s+([A-Za-z_]\w*)(\s+optional)?\s*\{")
_BLOCKS = {"gpu": Gpu, "resource": Resource, "segment": Segment, "plan": Plan, "competitor": Competitor}


def _code(line: str) -> str:
    return line.split("#", 1)[0]


def split_statements(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each statement. A statement ends at a
    line end outside brackets and braces; a line inside a block that can only
    start a statement (`plan x`, `require`, ...) starts a new one, so a
    missing `}` costs one error, not the rest of the file."""
    spans: list[tuple[int, int]] = []
    start = None
    braces = parens = 0
    for i, line in enumerate(lines):
        code = _code(line)
        if start is not None and (braces > 0 or parens > 0) and _TOP_LEVEL.match(code):
            spans.append((start, i - 1))
            start = None
        if start is None:
            if not code.strip():
                continue
            start, braces, parens = i, 0, 0
        for ch in code:
            if ch == "{":
                braces += 1
            elif ch == "}":
                braces -= 1
            elif ch in "([":
                parens += 1
            elif ch in ")]":
                parens -= 1
        if braces <= 0 and parens <= 0:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(lines) - 1))
    return spans


class _Recovery:
    """Parse each statement of a broken file on its own (as a slice of the
    text, so positions stay the file's), and each line of items of a broken
    block on its own too."""

    def __init__(self, text: str, lark: Lark, builder: Builder, out: Parsed):
        self.text, self.lark, self.builder, self.out = text, lark, builder, out
        self.lines = text.split("\n")
        self.offsets = [0]
        for line in self.lines:
            self.offsets.append(self.offsets[-1] + len(line) + 1)

    def run(self) -> None:
        for first, last in split_statements(self.lines):
            self.statement(first, last)

    def parse(self, start: int, end: int, rule: str):
        """Parse text[start:end]; the problems the builder found in a slice
        that then failed are dropped (the recovery finds them again)."""
        mark = len(self.builder.problems.found)
        try:
            return self.lark.parse(TextSlice(self.text, start, end), start=rule)
        except (UnexpectedInput, TooComplex):
            del self.builder.problems.found[mark:]
            raise

    def end_of(self, line: int) -> int:
        return self.offsets[line] + len(self.lines[line])

    def statement(self, first: int, last: int) -> None:
        try:
            self.out.statements.extend(self.parse(self.offsets[first], self.end_of(last), "start"))
            return
        except (UnexpectedInput, TooComplex) as error:
            problem = describe(error, self.lines)
        recovered = self.block(first, last)
        if recovered is None:
            self.out.problems.append(problem)
            declared = _DECLARES.match(_code(self.lines[first]))
            if declared:
                self.out.broken_names.setdefault(declared[1], set()).add(declared[2])
            return
        statement, found = recovered
        self.out.problems.extend(found or [problem])
        self.out.statements.append(statement)
        self.out.partial_lines.add(first + 1)

    def block(self, first: int, last: int):
        """A broken block as its header and each line of items. Returns the
        statement with the items that parsed, and the problems found; None
        when the header itself is what is broken."""
        header = _HEADER.match(_code(self.lines[first]))
        if header is None:
            return None
        kind, name = header[1], header[2]
        problems: list[Diagnostic] = []
        body_start = self.offsets[first] + header.end()
        closing = self._closing_brace(body_start, first, last)
        if closing is None:
            problems.append(Diagnostic(first + 1, header.end(), "this block is never closed: "
                                       "add '}' after its last item", first + 1, header.end() + 1))
            body_end = self.end_of(last)
        else:
            body_end = closing
        items = []
        for start, end in self._groups(body_start, body_end):
            try:
                items.extend(self.parse(start, end, "items"))
            except (UnexpectedInput, TooComplex) as error:
                problems.append(describe(error, self.lines))
        line = first + 1
        ref = Ref.model_construct(name=name, trivia=NO_TRIVIA, span=Span(
            line, header.start(2) + 1, line, header.end(2) + 1))
        fields = {"optional": bool(header[3])} if kind == "plan" else {}
        statement = _BLOCKS[kind].model_construct(
            name=ref, items=self.builder.fit_items(kind, items, line), trivia=NO_TRIVIA,
            span=Span(line, header.start(1) + 1, last + 1, len(self.lines[last]) + 1), **fields)
        return statement, problems

    def _closing_brace(self, body_start: int, first: int, last: int) -> int | None:
        """Offset of the block's closing `}`: the last one after its `{`."""
        for line in range(last, first - 1, -1):
            at = _code(self.lines[line]).rfind("}")
            if at >= 0 and self.offsets[line] + at >= body_start:
                return self.offsets[line] + at
        return None

    def _groups(self, start: int, end: int) -> list[tuple[int, int]]:
        """Offsets of each line of items in text[start:end], a line that
        opens a bracket running on until it closes."""
        groups = []
        group_start = None
        depth = 0
        position = start
        for piece in self.text[start:end].split("\n"):
            code = _code(piece)
            if group_start is None and code.strip():
                group_start, depth = position, 0
            if group_start is not None:
                depth += sum(code.count(c) for c in "([") - sum(code.count(c) for c in ")]")
                if depth <= 0:
                    groups.append((group_start, position + len(piece)))
                    group_start = None
            position += len(piece) + 1
        if group_start is not None:
            groups.append((group_start, end))
        return groups


# ---- saying what went wrong ----------------------------------------------------

_PHRASES = {
    "NAME": "a name",
    "NUMBER": "a value",
    "MONEY": "a value",
    "MINUS": "a value",
    "LSQB": "a value",
    "UNLIMITED": "a value",
    "CODE": "a unit",
    "UNIT": "a unit",
    "_NL": "a line break",
    "$END": "the end of the file",
}
_ITEM_STARTS = {word.upper() for word in item_starts()}  # the tokens that start an item


def _token_text(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of line"
    value = str(token)
    if len(value) > 30:
        value = value[:27] + "..."
    kind = {"NAME": "name ", "NUMBER": "number ", "MONEY": "amount "}.get(token.type, "")
    return f"{kind}'{value}'"


def _expected(names: set[str]) -> str:
    if names & _ITEM_STARTS:
        return "another item or '}'"
    phrases: list[str] = []
    lark = _lark()
    for name in sorted(names, key=lambda n: (n not in _PHRASES, n)):
        phrase = _PHRASES.get(name)
        if phrase is None:
            try:
                pattern = lark.get_terminal(name).pattern
            except KeyError:
                continue
            if pattern.type != "str":
                continue
            phrase = f"'{pattern.value}'"
        if phrase not in phrases:
            phrases.append(phrase)
    if not phrases:
        return ""
    if len(phrases) > 6:
        phrases = phrases[:6] + ["..."]
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def describe(error: Exception, lines: list[str]) -> Diagnostic:
    """A lark error as a Diagnostic a person can act on."""
    if isinstance(error, TooComplex):
        tok = error.token
        return Diagnostic(tok.line, tok.column, error.message, tok.line, tok.column + 1)
    if isinstance(error, UnexpectedCharacters):
        line = error.line
        return Diagnostic(line, error.column, _bad_character(lines, line, error.column),
                          line, error.column + 1)
    assert isinstance(error, UnexpectedToken)
    tok = error.token
    line = tok.line or 1
    column = tok.column or 1
    expected = set(error.expected)
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    end = column + max(1, len(str(tok))) if tok.type not in ("$END", "_NL") else column + 1

    unit = _unknown_unit(source, column, tok, expected)
    if unit is not None:
        return Diagnostic(line, unit[0], unit[1], line, unit[0] + len(unit[2]))
    if tok.type == "COMMA" and 1 < column < len(source) and source[column - 2].isdigit() and source[column].isdigit():
        return Diagnostic(line, column, COMMA_IN_NUMBER, line, end)
    if str(tok) == "seat" and re.search(r"\bper\s+(\S+\s+)?\S+\s+per\s+$", source[:column - 1]):
        return Diagnostic(line, column, "`per seat` comes before the period: write `N per seat per day`",
                          line, end)
    if tok.type in ("$END", "_NL") and "RBRACE" in expected and tok.type == "$END":
        return Diagnostic(line, column, "this block is never closed: add '}' after its last item",
                          line, end)
    wanted = _expected(expected)
    message = f"unexpected {_token_text(tok)}"
    if wanted:
        message += f"; expected {wanted}"
    return Diagnostic(line, column, message, line, end)


_NUMBER_THEN_NAME = re.compile(r"(?:[0-9][0-9_]*(?:\.[0-9][0-9_]*)?[KMB]?|/)\s*([A-Za-z_]\w*)\s*$")


def _unknown_unit(source: str, column: int, tok: Token, expected: set[str]):
    """(column, message, word) when the error comes from a word after a
    number that is no unit: `36 mnths`, `$0.08/kwh`. The parser may have read
    the word as the start of another item, so look at the line itself."""
    if tok.type == "NAME" and expected & {"UNIT", "CODE"}:
        word, at = str(tok), column
    else:
        found = _NUMBER_THEN_NAME.search(source[: column - 1])
        if not found or found[1] in ALL_UNITS:
            return None
        word, at = found[1], found.start(1) + 1
    if not (source[: at - 1].rstrip()[-1:].isdigit() or source[: at - 1].rstrip()[-1:] in ("K", "M", "B", "/")):
        return None
    hint = did_you_mean(word, ALL_UNITS) or (
        "; units are ms, s, min, h, day, month, year, W, kW, MW, Wh, kWh, MWh, "
        "or a currency code such as USD")
    return at, f"unknown unit '{word}'{hint}", word


def _bad_character(lines: list[str], line: int, column: int) -> str:
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    char = source[column - 1] if 0 < column <= len(source) else ""
    following = source[column : column + 1]
    if not char.isprintable() or char == "":
        return f"unexpected character U+{ord(char or chr(0)):04X}; a .plan file is plain text"
    if char in "\"'`":
        return f"unexpected '{char}': names and values are written without quotes"
    if char in "$€£¥" and not (following.isascii() and following.isdigit()):
        return f"write money with the amount right after the symbol, e.g. {char}20"
    if char == "." and following == ".":
        return "a range needs a value before '..', e.g. 10..50 step 10"
    if char.isdigit() or char.isnumeric():
        return f"unexpected character '{char}': write numbers with the digits 0-9"
    return f"unexpected character '{char}'"


def _binary_data(text: str) -> Diagnostic | None:
    """A file that is mostly not text gets one message, not hundreds."""
    sample = text[:4096]
    odd = sum(1 for c in sample if not c.isprintable() and c not in "\n\t\r\f")
    if "\x00" in sample or (sample and odd > len(sample) // 10):
        at = next(i for i, c in enumerate(text) if not c.isprintable() and c not in "\n\t\r\f")
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        return Diagnostic(line, column,
                          "this is not a .plan file: it holds binary data; a .plan file is plain text",
                          line, column + 1)
    return None
