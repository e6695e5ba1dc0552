"""Sweeps and risk on Dask: a LocalCluster of 2 workers, then a real
`dask scheduler` and two `dask worker` processes on 127.0.0.1, one of which
is killed mid-run: every point comes back, each once, equal to the run in
this process."""

import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import EXAMPLES

import planlang
from solver.analysis.risk import run as risk
from solver.analysis.sweep import sweep

ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")
GRID = {"plan.agent.price": "39,49,59,69", "gpu.h100.fleet": "x0.9,x1.1"}
VARIED = ["gpu.rented.hourly=uniform(x0.8, x1.5)", "segment.casual.users=normal(x1, 10%)"]


def objectives(result) -> list:
    return [(p.settings, p.solution.objective if p.solution else p.error) for p in result.points]


def margins(result) -> list:
    return [(s.values, s.margin, s.objective) for s in result.samples]


@pytest.fixture(scope="module")
def here():
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    return objectives(sweep(ASSISTANT, GRID, jobs=1)), margins(risk(model, text, VARIED, samples=12, seed=4))


def test_a_local_cluster_of_two_workers_gives_what_this_process_gives(here):
    local_sweep, local_risk = here
    assert objectives(sweep(ASSISTANT, GRID, jobs=2)) == local_sweep
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    assert margins(risk(model, text, VARIED, samples=12, seed=4, jobs=2)) == local_risk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster():
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--dashboard-address", ":0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                 "--no-nanny", "--no-dashboard"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for _ in range(2)]
    from dask.distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    yield address, workers
    for process in workers + [scheduler]:
        process.kill()
        process.wait()


def test_a_running_cluster_loses_no_point_when_a_worker_dies(here, cluster):
    address, workers = cluster
    local_sweep, local_risk = here
    killed = []

    def kill_one(done: int, total: int) -> None:
        if done == 1 and not killed:
            workers[0].send_signal(signal.SIGKILL)
            killed.append(time.monotonic())

    result = sweep(ASSISTANT, GRID, scheduler=address, on_point=kill_one)
    assert killed and workers[0].wait(timeout=10) is not None
    assert objectives(result) == local_sweep  # every point, once, as here
    model, text = planlang.load(ASSISTANT), ASSISTANT.read_text()
    assert margins(risk(model, text, VARIED, samples=12, seed=4, scheduler=address)) == local_risk


def test_the_command_line_takes_a_scheduler(cluster):
    from typer.testing import CliRunner

    from solver.cli import app

    address, _ = cluster
    result = CliRunner().invoke(app, ["sweep", str(ASSISTANT), "--set", "plan.agent.price=39,49",
                                      "--scheduler", address])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["risk", str(ASSISTANT), "--vary", VARIED[0], "--samples", "4",
                                      "--scheduler", address, "--json"])
    assert result.exit_code == 0, result.output
    missing = CliRunner().invoke(app, ["sweep", str(ASSISTANT), "--set", "plan.agent.price=39,49",
                                       "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    assert missing.exit_code == 2 and "cannot reach the Dask scheduler" in missing.stderr
