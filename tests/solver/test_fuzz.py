"""The examples with one number at a time made extreme (0, a billionth of
it, a billion times it, 1e308, its negative; tests/fuzz.py): every edited
file is refused with located errors or answered, never an internal error."""

import pytest
from conftest import EXAMPLES
from fuzz import VARIANTS, edits, outcome


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_one_number_edit_ends_in_an_internal_error(example):
    failures, outcomes = [], set()
    for edit in edits([example]):
        try:
            outcomes.add(outcome(edit))
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)
    assert {"refused", "optimal"} <= outcomes  # the edits reach both the checker and the solver
    assert len(VARIANTS) == 5
