"""Every bundled example's answer, number for number, as recorded in
tests/solver/answers/ (the `solve --json` object without its `solver`
statistics). A change to the language that a file does not use must not
move any of its numbers: section 11 recorded them before it was added.

An intended change of answers rewrites them:

    python tests/solver/test_example_answers.py
"""

import json
from pathlib import Path

import pytest

import planlang
from solver.analysis.optimize import solve

ANSWERS = Path(__file__).with_name("answers")
EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.plan"))


def answer(path: Path) -> dict:
    data = json.loads(solve(planlang.load(path)).model_dump_json())
    data.pop("solver")
    return data


@pytest.mark.parametrize("path", [p for p in EXAMPLES if (ANSWERS / f"{p.stem}.json").exists()], ids=lambda p: p.stem)
def test_the_example_gives_its_recorded_answer(path):
    assert answer(path) == json.loads((ANSWERS / f"{path.stem}.json").read_text())


def test_every_example_has_a_recorded_answer():
    assert {p.stem for p in EXAMPLES} == {p.stem for p in ANSWERS.glob("*.json")}


if __name__ == "__main__":
    for example in EXAMPLES:
        (ANSWERS / f"{example.stem}.json").write_text(json.dumps(answer(example), indent=1) + "\n")
        print(f"wrote {ANSWERS / example.stem}.json")
