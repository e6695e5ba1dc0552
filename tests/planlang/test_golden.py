"""Golden broken files: each file in bad/ holds one kind of mistake, and its
.err twin the exact report (line, column, message, source line, caret).
Regenerate with tests/planlang/regenerate_golden.py and read the diff."""

from pathlib import Path

import pytest

import planlang

BAD = Path(__file__).parent / "bad"
CASES = sorted(BAD.glob("*.plan"))


def test_there_is_a_golden_file_per_kind_of_mistake():
    assert len(CASES) >= 25
    assert all(case.with_suffix(".err").exists() for case in CASES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_report_is_exactly_the_golden_one(path):
    expected = path.with_suffix(".err").read_text(encoding="utf-8")
    with pytest.raises(planlang.PlanError) as caught:
        planlang.loads(path.read_text(encoding="utf-8"), path.name)
    assert str(caught.value) + "\n" == expected


def test_every_problem_is_reported_at_once():
    with pytest.raises(planlang.PlanError) as caught:
        planlang.loads((BAD / "several_problems.plan").read_text(), "x.plan")
    places = [(d.line, d.column) for d in caught.value.diagnostics]
    assert places == [(3, 20), (4, 17), (6, 35), (9, 29), (12, 10)]
