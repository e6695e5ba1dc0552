"""Comments and blank lines, hung on the nodes they belong to.

The language has no strings, so `#` always starts a comment and a plain scan
of the lines finds them all. A comment line (or a run of them) belongs to the
node below it; a comment at the end of a line, to the node that line ends;
the comments left before a `}` or at the end of the file, to the block or
the file. A comment inside a value that spans lines (a long list) moves
above its item: moved, never dropped.
"""

from __future__ import annotations

from planlang.model import Block, Trivia


class Lines:
    def __init__(self, text_lines: list[str]):
        self.comment: dict[int, str] = {}
        self.code: set[int] = set()
        for number, line in enumerate(text_lines, start=1):
            at = line.find("#")
            code = line if at < 0 else line[:at]
            if at >= 0:
                self.comment[number] = line[at:].rstrip()
            if code.strip():
                self.code.add(number)
        self.count = len(text_lines)

    def gather(self, first: int, last: int) -> list[str]:
        """Comment-only and blank lines in first..last, blank runs as one ""."""
        out: list[str] = []
        for number in range(first, last + 1):
            entry = self.comment.get(number, "")
            if number in self.code and not entry:
                continue
            if entry == "" and out and out[-1] == "":
                continue
            out.append(entry)
        return out


def _siblings(nodes, first: int, last: int, lines: Lines, closing_line: int | None):
    """Hang trivia on a run of sibling nodes found between lines first and
    last; returns the nodes and the comment lines left after the last one."""
    out = []
    cursor = first
    for i, node in enumerate(nodes):
        start, end = node.span.line, node.span.end_line
        leading = lines.gather(cursor, start - 1)
        next_start = nodes[i + 1].span.line if i + 1 < len(nodes) else None
        inner_last = end - 1
        trailing = None
        if next_start != end and end != closing_line:
            trailing = lines.comment.get(end)
        if isinstance(node, Block):
            node = _block(node, lines)
            trivia = node.trivia
            out.append(node.model_copy(update={"trivia": trivia.model_copy(update={
                "leading": tuple(leading), "trailing": trailing})}))
        else:
            inner = [lines.comment[n] for n in range(start, inner_last + 1) if n in lines.comment]
            out.append(node.model_copy(update={"trivia": Trivia(
                leading=tuple(leading + inner), trailing=trailing)}))
        cursor = end + 1
    return out, lines.gather(cursor, last)


def _block(node: Block, lines: Lines) -> Block:
    start, end = node.span.line, node.span.end_line
    if start == end:
        return node.model_copy(update={"trivia": Trivia(one_line=True)})
    items = list(node.items)
    header = None
    if not any(item.span.end_line == start for item in items):
        header = lines.comment.get(start)
    items, closing = _siblings(items, start + 1, end - 1, lines, closing_line=end)
    return node.model_copy(update={
        "items": tuple(items),
        "trivia": Trivia(header=header, closing=tuple(closing)),
    })


def attach(statements: list, text_lines: list[str]) -> tuple[list, Trivia]:
    """Statements with their trivia, and the file's own (closing comments)."""
    lines = Lines(text_lines)
    out, closing = _siblings(statements, 1, lines.count, lines, closing_line=None)
    return out, Trivia(closing=tuple(closing))
