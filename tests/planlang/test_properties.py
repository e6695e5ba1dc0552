"""Properties over generated input: formatting round-trips every valid
model, and no input, however broken, gets anything but a located report."""

from pathlib import Path

import pytest
from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import models

import planlang
from planlang import PlanError


@settings(max_examples=300)
@given(models())
def test_format_parses_back_to_the_same_model(model):
    text = planlang.dumps(model)
    again = planlang.loads(text)
    assert again == model
    assert planlang.dumps(again) == text


def assert_located_or_valid(text: str) -> None:
    """`text` loads, or fails with PlanError whose every diagnostic points
    into the text; never any other exception."""
    try:
        planlang.loads(text, "fuzz.plan")
    except PlanError as error:
        assert error.diagnostics
        lines = planlang.normalize(text).split("\n")
        for d in error.diagnostics:
            assert 1 <= d.line <= len(lines), d
            assert 1 <= d.column <= len(lines[d.line - 1]) + 1, d
            assert d.message
        assert str(error).startswith("fuzz.plan:")


@settings(max_examples=400)
@given(st.text(max_size=300))
def test_random_text(text):
    assert_located_or_valid(text)


VOCABULARY = [
    "gpu", "resource", "feature", "segment", "plan", "require", "maximize", "minimize",
    "currency", "quota", "usage", "value", "overage", "pack", "in", "at", "for", "on", "step",
    "unlimited", "optional", "lognormal(", "uniform(", "median", "p90", "{", "}", "(", ")",
    "[", "]", ",", "=", "==", ">=", "<=", "~", "+", "-", "*", "/", "%", "..", "$", "$5",
    "10K", "0.5", "1_000", "s", "months", "W", "kWh", "$0.08/kWh", "USD", "EUR", "€3", "\n",
    "#", "x", "h100", "margin", "price(", "users", "\t", "\"", "@", "\x00", "é", "5MW", "",
    "credits", "rate", "graduated", "volume", "pack credits 1000 for $8", "overage credits at $0.01",
    "overage m graduated [10K at $1, unlimited at $2]",
    "per", "per seat", "per day", "per 5 hours", "week", "active = 12 days, 6 hours", "quota(p, m, 5 hours)",
]
TEXTS = [p.read_text() for p in EXAMPLES]


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "swap"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(VOCABULARY)) + " " + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "replace":
            text = text[:at] + draw(st.sampled_from(VOCABULARY)) + text[at + 1:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


@settings(max_examples=400)
@given(mutated())
def test_mutated_examples(text):
    assert_located_or_valid(text)


@pytest.mark.parametrize("text", [
    "",
    "\n\n\n",
    "# only a comment",
    "x" * 200_000,
    "require margin >= " + "(" * 5000 + "1" + ")" * 5000,
    "require margin >= " + "(" * 5000,
    "require margin >= " + " + ".join(["1"] * 20_000),
    "segment s { users = " + "[" * 5000 + "]" * 5000 + " }",
    "plan p { price = " + "-" * 10_000 + "$5 }",
    "segment s { users = " + "9" * 400 + " }",
    "plan p { price in [" + ", ".join(f"${i}" for i in range(40_000)) + "] }",
    "}" * 1000,
    "{" * 1000,
    "gpu" + " gpu" * 30_000,
    "\x00\x01\x02binary\xff\xfe" * 100,
    "plan p {\n" * 3000,
])
def test_hostile_input(text):
    assert_located_or_valid(text)


def test_invalid_utf8_is_located(tmp_path: Path):
    path = tmp_path / "latin1.plan"
    path.write_bytes("currency USD\nplan caf\xe9 { price = $1 }\n".encode("latin-1"))
    with pytest.raises(PlanError) as caught:
        planlang.load(path)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.column) == (2, 9)
    assert "not UTF-8" in diagnostic.message


def test_many_broken_statements_are_all_reported():
    text = "".join(f"plan p{i} {{ price = {i} }}\n" for i in range(2000))
    with pytest.raises(PlanError) as caught:
        planlang.loads(text)
    assert len(caught.value.diagnostics) == 2000
