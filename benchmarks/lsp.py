"""How fast the language server answers on a large file.

    python benchmarks/lsp.py [--lines 20000] [--runs 21]

Opens a generated file in the server (in this process, no editor), then
times hover and completion on unchanged text, where every version of a
document is analyzed once: the first request pays for the analysis, the
others only look it up. Prints medians (and min/max). A benchmark, not a
test: these machines are shared, so quote medians and compare ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import big_plan  # noqa: E402
from lsprotocol import types as lsp  # noqa: E402
from pygls.workspace import Workspace  # noqa: E402

from planlang.editor import lsp as server  # noqa: E402

URI = "file:///benchmark.plan"


def median_ms(times: list[float]) -> str:
    return (f"median {statistics.median(times) * 1000:.2f} ms (min {min(times) * 1000:.2f}, "
            f"max {max(times) * 1000:.2f})")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--lines", type=int, default=20_000)
    options.add_argument("--runs", type=int, default=21)
    args = options.parse_args()
    text = big_plan(args.lines)
    server.server.protocol._workspace = Workspace(None)
    server.server.workspace.put_text_document(lsp.TextDocumentItem(uri=URI, language_id="planlang", version=1,
                                                                   text=text))
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("quota "))
    name = lines[at].split()[1]
    where = lsp.Position(line=at, character=lines[at].index(name) + 1)
    document = lsp.TextDocumentIdentifier(uri=URI)
    started = time.perf_counter()
    server.hover(lsp.HoverParams(text_document=document, position=where))
    first = time.perf_counter() - started
    timings = {"hover": [], "completion": []}
    for _ in range(args.runs):
        for kind, call in (("hover", lambda: server.hover(lsp.HoverParams(text_document=document, position=where))),
                           ("completion", lambda: server.completion(lsp.CompletionParams(
                               text_document=document, position=lsp.Position(line=at, character=2))))):
            started = time.perf_counter()
            call()
            timings[kind].append(time.perf_counter() - started)
    print(f"{args.lines:,} lines ({len(text) / 1024:.0f} KB); the first hover (analysis included): {first:.2f} s")
    for kind, times in timings.items():
        print(f"{kind} on unchanged text: {median_ms(times)}")


if __name__ == "__main__":
    main()
