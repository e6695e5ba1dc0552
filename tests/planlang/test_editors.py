"""Editor support without an editor: the VS Code TextMate grammar and the
Pygments lexer, run on every example."""

import json
import re

import pytest
from conftest import EXAMPLES, ROOT
from pygments import lex
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Error, Keyword, Name, Number

from planlang.editor.highlight import PlanLexer

VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = json.loads((VSCODE / "syntaxes" / "planlang.tmLanguage.json").read_text())


def textmate(line: str) -> list[tuple[str, str]]:
    """(scope, text) of a line, the way TextMate applies a flat list of
    `match` patterns: at each point the earliest match wins, the first
    pattern on a tie; a pattern's captures name its groups."""
    patterns = [(re.compile(p["match"]), p) for p in GRAMMAR["patterns"]]
    out, at = [], 0
    while at < len(line):
        best = None
        for regex, pattern in patterns:
            found = regex.search(line, at)
            if found and found.end() > found.start() and (best is None or found.start() < best[0].start()):
                best = (found, pattern)
        if best is None:
            break
        found, pattern = best
        if "captures" in pattern:
            out += [(c["name"], found.group(int(i))) for i, c in pattern["captures"].items() if found.group(int(i))]
        else:
            out.append((pattern["name"], found.group(0)))
        at = found.end()
    return out


def test_the_extension_declares_the_language_grammar_and_server():
    package = json.loads((VSCODE / "package.json").read_text())
    (language,) = package["contributes"]["languages"]
    assert language["extensions"] == [".plan"] and (VSCODE / language["configuration"]).exists()
    (grammar,) = package["contributes"]["grammars"]
    assert grammar["scopeName"] == GRAMMAR["scopeName"] and (VSCODE / grammar["path"]).exists()
    assert "lsp" in (VSCODE / package["main"]).read_text()
    configuration = json.loads((VSCODE / "language-configuration.json").read_text())
    assert configuration["comments"]["lineComment"] == "#"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_grammar_names_every_kind_of_token(path):
    scopes = {}
    for line in path.read_text().split("\n"):
        for scope, text in textmate(line):
            scopes.setdefault(scope.rsplit(".", 1)[0], []).append(text)
    assert {"comment.line.number-sign", "keyword.other.declaration", "entity.name.type", "keyword.other",
            "constant.numeric", "constant.numeric.money", "keyword.other.unit"} <= set(scopes)
    assert all(text.startswith("#") for text in scopes["comment.line.number-sign"])
    assert all(re.fullmatch(r"[$€£¥][0-9._]+[KMB]?", text) for text in scopes["constant.numeric.money"])


def test_the_grammar_on_lines_of_the_spec_example():
    assert textmate("gpu h100 {") == [("keyword.other.declaration.planlang", "gpu"),
                                      ("entity.name.type.planlang", "h100"), ("punctuation.section.planlang", "{")]
    assert ("keyword.other.unit.planlang", "months") in textmate("  lifespan    = 36 months  # economic life")
    assert ("comment.line.number-sign.planlang", "# economic life") in textmate("  lifespan = 36 months  # economic life")
    assert ("constant.numeric.money.planlang", "$0.08") in textmate("  electricity = $0.08/kWh")
    assert ("keyword.other.unit.planlang", "kWh") in textmate("  electricity = $0.08/kWh")
    assert ("constant.numeric.planlang", "150M") in textmate("  users   = 150M")


def test_periods_read_as_units_in_both_grammars():
    line = "  credits = 66 per seat per day  quota message = 45 per 5 hours"
    scopes = textmate(line)
    assert ("keyword.other.unit.planlang", "day") in scopes and ("keyword.other.unit.planlang", "hours") in scopes
    tokens = [(kind, value) for kind, value in lex(line, PlanLexer()) if value.strip()]
    assert (Keyword.Type, "day") in tokens and (Keyword.Type, "hours") in tokens


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_pygments_lexer_reads_every_example(path):
    text = path.read_text()
    tokens = [(kind, value) for kind, value in lex(text, get_lexer_by_name("planlang")) if value.strip()]
    kinds = {kind for kind, _ in tokens}
    assert Error not in kinds
    assert {Comment.Single, Keyword.Declaration, Name.Class, Number, Number.Money, Keyword.Type} <= kinds
    assert "".join(value for _, value in lex(text, PlanLexer())) == text


def test_the_grammars_words_are_the_languages():
    """The TextMate grammar is JSON, written once; its word lists must be those
    planlang/items.py makes (the Pygments lexer reads them from there)."""
    from planlang.editor.highlight import DECLARATIONS, ITEMS
    from planlang.items import NAMED, PERIOD_WORDS

    lists = {p["name"].rsplit(".", 1)[0]: p["match"] for p in GRAMMAR["patterns"] if "name" in p}
    assert lists["keyword.other.declaration"] == rf"\b({'|'.join(DECLARATIONS)})\b"
    assert lists["keyword.other"] == rf"\b({'|'.join(ITEMS)})\b"
    assert lists["meta.period"] == rf"\b(per)\s+({'|'.join(PERIOD_WORDS)})\b"
    header = next(p["match"] for p in GRAMMAR["patterns"] if "captures" in p and "declaration" in str(p))
    assert header.startswith(rf"\b({'|'.join(NAMED)})\s+")
