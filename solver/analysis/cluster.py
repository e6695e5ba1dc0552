"""Many independent solves (sweep points, risk worlds) on Dask.

By default a local cluster of processes on this machine; `scheduler`
(tcp://HOST:8786) uses a running cluster instead. What every task needs
(the file's text, the options) is scattered to the workers once; each task
gets its item and returns its result with its index, so results land in
their place as they stream back. A worker that dies has its tasks run again
by Dask's scheduler: nothing is lost, and a result is only ever stored once.
One item, or one job, runs here in the process, with no cluster to start.
"""

from __future__ import annotations

import os
from typing import Callable, TypeVar

T = TypeVar("T")
R = TypeVar("R")


CONNECT_SECONDS = 10  # to reach a running scheduler


class ClusterError(Exception):
    """The cluster could not be reached or a task failed."""


def check_scheduler(address: str) -> str:
    """`address` when it names a Dask scheduler as `tcp://HOST:PORT` (or
    `tls://`, or `HOST:PORT`); ClusterError otherwise, before any work."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            raise ValueError(f"a {scheme}:// address")
        parse_host_port(location)
    except ValueError as error:
        raise ClusterError(f"'{address}' is not a Dask scheduler's address ({error}); write tcp://HOST:PORT, "
                           "e.g. tcp://10.0.0.5:8786") from None
    return address


def run_all(function: Callable[[object, T], R], shared: object, items: list[T], *, jobs: int | None = None,
            scheduler: str | None = None, on_done: Callable[[int, int], None] | None = None) -> list[R]:
    """[function(shared, item) for item in items], in order, on Dask."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(items) or 1))
    if scheduler is None and (jobs == 1 or len(items) <= 1):
        out = []
        for i, item in enumerate(items):
            out.append(function(shared, item))
            if on_done:
                on_done(i + 1, len(items))
        return out
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(check_scheduler(scheduler), timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None
    try:
        context = client.scatter(shared, broadcast=True)
        futures = client.map(_indexed, [function] * len(items), [context] * len(items), list(enumerate(items)),
                             pure=False)
        results: list = [None] * len(items)
        filled = [False] * len(items)
        for done, future in enumerate(as_completed(futures), start=1):
            try:
                index, value = future.result()
            except Exception as error:  # a task that failed for good (its workers kept dying)
                raise ClusterError(f"a task failed on the cluster: {type(error).__name__}: {error}") from None
            if not filled[index]:
                results[index], filled[index] = value, True
            if on_done:
                on_done(done, len(items))
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _indexed(function, shared, numbered):
    index, item = numbered
    return index, function(shared, item)
