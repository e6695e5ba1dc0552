"""Every bundled example is valid, formats stably, and means after
formatting exactly what it meant before."""

import re

import pytest
from conftest import EXAMPLES, SPEC

import planlang


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_valid_and_formats_stably(path):
    model = planlang.load(path)
    formatted = planlang.dumps(model)
    again = planlang.loads(formatted, str(path))
    assert again == model
    assert planlang.dumps(again) == formatted


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.stem != "assistant"], ids=lambda p: p.stem)
def test_example_is_in_canonical_layout(path):
    # assistant.plan is the spec's text verbatim, with its own hand layout
    assert planlang.dumps(planlang.load(path)) == path.read_text()


def test_there_are_five_kinds_of_business():
    assert {p.stem for p in EXAMPLES} >= {"assistant", "studio", "coder", "teams", "support_agent"}


def spec_example() -> str:
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("## 1. A complete example", 1)[1]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


@pytest.mark.skipif(not SPEC.exists(), reason="the spec is not beside this checkout")
def test_assistant_is_the_spec_example_verbatim():
    assistant = next(p for p in EXAMPLES if p.stem == "assistant")
    assert assistant.read_text() == spec_example()


def test_assistant_comments_survive_formatting():
    assistant = next(p for p in EXAMPLES if p.stem == "assistant")
    formatted = planlang.dumps(planlang.load(assistant))
    comments = re.findall(r"#.*", assistant.read_text())
    assert comments == re.findall(r"#.*", formatted)
