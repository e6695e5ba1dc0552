"""A deadline HiGHS cannot be trusted to keep (it can probe past it without
looking at the clock) is kept by solving in a forked child that is stopped
at the deadline (solver/milp/highs.py). A stand-in for HiGHS that never
finishes shows it: the parent returns, at the deadline, the best catalog
and bound the child reported."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solver.milp.highs as highs
from solver.milp.options import Options, Result


class _Problem:  # what _by_deadline reads of a Problem
    integer = np.array([True])
    hint = None  # no MIP start


def _stuck(problem, options, tell=None):
    tell("better", np.array([1.0, 0.0]), 2.0)
    tell("bound", 2.5)
    time.sleep(600)  # HiGHS probing past its time limit


def _fails(problem, options, tell=None):
    raise MemoryError("out of memory")


def _quick(problem, options, tell=None):
    return Result("optimal", np.array([1.0]), 3.0, 3.0, 0.0)


@pytest.fixture(autouse=True)
def _graceless(monkeypatch):
    monkeypatch.setattr(highs, "GRACE", 0.0)


def test_a_solve_past_its_deadline_is_stopped_with_what_it_found(monkeypatch):
    monkeypatch.setattr(highs, "_solve", _stuck)
    result = highs._by_deadline(_Problem(), Options(time_limit=1.0).started())
    # a child left to finish would have answered "done" with nothing: this is what it reported before it was stopped
    assert (result.status, result.objective, result.bound) == ("feasible", 2.0, 2.5)
    assert result.gap == pytest.approx(0.25) and list(result.values) == [1.0, 0.0]


def test_a_child_that_finishes_answers_and_one_that_fails_says_why(monkeypatch):
    monkeypatch.setattr(highs, "_solve", _quick)
    assert highs._by_deadline(_Problem(), Options(time_limit=60.0).started()).objective == 3.0
    monkeypatch.setattr(highs, "_solve", _fails)
    result = highs._by_deadline(_Problem(), Options(time_limit=60.0).started())
    assert result.status == "error" and "out of memory" in result.message


def test_without_a_deadline_or_from_a_threaded_process_it_solves_here(monkeypatch):
    import threading

    calls = []
    monkeypatch.setattr(highs, "_by_deadline", lambda problem, options: calls.append("child"))
    monkeypatch.setattr(highs, "_solve", lambda problem, options: calls.append("here"))
    highs.solve_highs(_Problem(), Options())
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        highs.solve_highs(_Problem(), Options(time_limit=60.0).started())
    finally:
        stop.set()
        other.join()
    assert calls == ["here", "here"]
