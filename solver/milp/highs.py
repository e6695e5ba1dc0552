"""HiGHS through highspy's array API: the whole model is handed over at
once, which takes milliseconds where building it row by row through a
modelling layer takes seconds.

Solver libraries write to the process's standard output from C code
(highspy 1.16 prints a banner when the first Highs object is made, whatever
its options, and output_flag only quiets it afterwards): solver objects are
made under `silenced()`, so that what a command prints on stdout (a JSON
document, say) is all it prints.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from contextlib import contextmanager

import numpy as np

from solver.milp.formulation import Problem
from solver.milp.options import FEASIBILITY_TOLERANCE, PROVEN_GAP, SMALL_COEFFICIENT, Options, Result

@contextmanager
def silenced():
    """File descriptor 1 points at the null device while the block runs:
    what C code (or a child process) writes to standard output is dropped,
    at the level print() and Python's sys.stdout never see."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no standard output to guard
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        _flush_c_stdio()  # what C buffered goes to the null device too, not later to the real stdout
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to ask (not a POSIX system)
        pass


# ---- HiGHS ---------------------------------------------------------------------


def _highs_status():
    import highspy

    s = highspy.HighsModelStatus
    return {
        s.kOptimal: "optimal",
        s.kInfeasible: "infeasible",
        s.kUnboundedOrInfeasible: "infeasible",  # every column is bounded but the elastic slacks
        s.kUnbounded: "unbounded",
        s.kTimeLimit: "limit",
        s.kIterationLimit: "limit",
        s.kSolutionLimit: "limit",
        s.kInterrupt: "limit",
        s.kObjectiveBound: "limit",
        s.kObjectiveTarget: "limit",
        s.kMemoryLimit: "limit",
    }


# HiGHS options for the MILP (not its relaxation). Measured (benchmarks/README.md,
# "Restarts, probing, copies and the cut loop's budget"): after fixing columns at the
# root, HiGHS restarts, presolves again and probes, for minutes on catalogs whose
# types rank configurations in many ways (the held-out family's seeds 4 and 5 were
# not proven in 120 s, large-accounts took 121 s); without restarts and probing
# every one is proven at the first node, and the benchmark's own sizes take what
# they took within noise (the table, with the one slower instance, is there).
# Which of several equally good catalogs HiGHS returns changes with these; the one
# reported does not (heuristic.first_written).
MIP_SETTINGS: dict[str, object] = {
    "mip_allow_restart": False,
    "presolve_rule_off": 1 << 15,  # probing
}


def highs_model(problem: Problem, options: Options, relaxed: bool = False):
    """A highspy.Highs holding `problem` (its LP relaxation when `relaxed`),
    with the options' tolerances and time left."""
    import highspy

    with silenced():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", options.threads)
    h.setOptionValue("mip_rel_gap", options.gap)
    h.setOptionValue("mip_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY_TOLERANCE)
    h.setOptionValue("small_matrix_value", SMALL_COEFFICIENT)
    if options.seconds_left() is not None:
        h.setOptionValue("time_limit", float(options.seconds_left()))
    if options.solution_limit is not None:
        h.setOptionValue("mip_max_improving_sols", int(options.solution_limit))
    if not relaxed:
        for key, value in MIP_SETTINGS.items():
            h.setOptionValue(key, value)
    lp = highspy.HighsLp()
    lp.num_col_ = problem.columns
    lp.num_row_ = problem.rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = problem.objective
    lp.col_lower_ = np.where(np.isinf(problem.lower), -highspy.kHighsInf, problem.lower)
    lp.col_upper_ = np.where(np.isinf(problem.upper), highspy.kHighsInf, problem.upper)
    lp.row_lower_ = np.where(np.isinf(problem.row_lower), -highspy.kHighsInf, problem.row_lower)
    lp.row_upper_ = np.where(np.isinf(problem.row_upper), highspy.kHighsInf, problem.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = problem.columns
    lp.a_matrix_.num_row_ = problem.rows
    lp.a_matrix_.start_ = problem.start.astype(np.int32)
    lp.a_matrix_.index_ = problem.index.astype(np.int32)
    lp.a_matrix_.value_ = problem.value
    if problem.integer.any() and not relaxed:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in problem.integer]
    h.passModel(lp)
    return h


GRACE = 1.0  # seconds past the deadline a solve in a child process has to answer before it is stopped
BOUND_EVERY = 1.0  # seconds between the bounds a child solve reports


def solve_highs(problem: Problem, options: Options) -> Result:
    """The MILP solved by HiGHS. With a deadline, in a forked child process
    that is stopped at the deadline: HiGHS keeps its own time limit except
    while it probes after a restart, where it has run 83 s past it without
    once looking at the clock or calling back (benchmarks/README.md). The
    parent keeps the best catalog and bound the child reported. Only from
    the main thread of a process with no other thread (a fork copies only
    the thread that forks, and locks other threads hold stay held); else
    in this process, as without a deadline."""
    if options.deadline is not None and problem.integer.any() and _may_fork():
        return _by_deadline(problem, options)
    return _solve(problem, options)


def _may_fork() -> bool:
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1 and \
        threading.current_thread() is threading.main_thread()


def _solve(problem: Problem, options: Options, tell=None) -> Result:
    """`tell(kind, *values)` hears of each better catalog ("better", values,
    objective) and, every BOUND_EVERY seconds, of the bound ("bound", bound)."""
    import highspy

    h = highs_model(problem, options)
    if problem.hint is not None:  # a first incumbent
        start = highspy.HighsSolution()
        start.col_value = problem.start_values(problem.hint)
        start.value_valid = True
        h.setSolution(start)
    if options.progress is not None and problem.integer.any():
        progress = options.progress
        h.cbMipInterrupt.subscribe(lambda event: progress.update(
            "branching", event.data_out.mip_primal_bound, event.data_out.mip_dual_bound, problem.objective_scale))
    if tell is not None:
        import time

        said = [0.0]

        def bound(event) -> None:
            if time.monotonic() - said[0] >= BOUND_EVERY:
                said[0] = time.monotonic()
                tell("bound", float(event.data_out.mip_dual_bound))

        h.cbMipImprovingSolution.subscribe(lambda event: tell(
            "better", np.array(event.data_out.mip_solution), float(event.data_out.objective_function_value)))
        h.cbMipInterrupt.subscribe(bound)
    h.run()
    status = _highs_status().get(h.getModelStatus(), "error")
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # feasible
    if status == "limit":
        status = "feasible" if has_solution else "no solution"
    if status not in ("optimal", "feasible"):
        return Result(status, message=h.modelStatusToString(h.getModelStatus()))
    values = np.array(h.getSolution().col_value)
    objective = float(info.objective_function_value)
    integer = problem.integer.any()
    bound = float(info.mip_dual_bound) if integer else objective
    gap = float(info.mip_gap) if integer else 0.0
    if not math.isfinite(gap):
        gap = None
    elif status == "optimal" and gap > PROVEN_GAP:
        status = "feasible"  # stopped by the --gap the user allowed: good, not proven best
    return Result(status, values, objective, bound, gap)


def _child(problem: Problem, options: Options, send) -> None:
    """A forked child's solve: what it finds on the way, then its result, down `send`."""
    try:
        result = _solve(problem, options, lambda *message: send.send(message))
        send.send(("done", result))
    except Exception as error:  # said to the parent, which reports a failed solve
        send.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        send.close()


def _by_deadline(problem: Problem, options: Options) -> Result:
    import multiprocessing
    import time

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(problem, options, send))
    for stream in (sys.stdout, sys.stderr):  # else the child, on its way out, writes what they buffer again
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    child.start()
    send.close()
    best, bound = None, None
    if problem.hint is not None:  # the MIP start: what HiGHS would answer had it no time at all
        start = problem.start_values(problem.hint)
        best = (start, float(problem.objective @ start))
    try:
        while True:
            left = options.deadline + GRACE - time.monotonic()
            if left <= 0 or not receive.poll(left):
                break  # out of time: the child is stopped below
            try:
                message = receive.recv()
            except EOFError:  # the child ended without a word (killed, out of memory)
                break
            if message[0] == "done":
                return message[1]
            if message[0] == "error":
                return Result("error", message=message[1])
            if message[0] == "better":
                best = message[1:]
            elif math.isfinite(message[1]):
                bound = message[1]
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if best is None:
        return Result("no solution", message="the time limit was reached")
    values, objective = best
    bound = None if bound is None else max(bound, objective)
    gap = None if bound is None else (bound - objective) / max(abs(objective), 1e-9)
    return Result("feasible", values, objective, bound, gap)
