"""Synthetic usage logs from a plan's segments (`planlang simulate`): the
other direction of `planlang fit`, for tests, demos and benchmarks.

Each segment gets `users x scale` people. Person p draws one quantile level
q and uses Q_r(q) of every resource r (Q_r the quantile function of the
segment's usage of r): a heavy user is heavy in everything, as the
language's buckets assume. The levels are stratified (one in each of n equal
slices, in random order), so the sample's buckets match the segment's
closely. Each person's monthly total of a resource is split into at most
`events` equal events at times spread over the month (with `active = N
days, H hours`, over N days of it from a day of their own, and H hours of
each from an hour of their own); DuckDB writes them
out, so a log of a hundred million events never passes through Python.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from statistics import NormalDist

import numpy as np
from pydantic import BaseModel

from planlang.usage.fit import MONTH, FitError, _connect, _quote
from planlang.model import Lognormal, Model, Number, Uniform, Values

FORMATS = {".parquet": "FORMAT parquet", ".csv": "FORMAT csv, HEADER true", ".jsonl": "FORMAT json",
           ".ndjson": "FORMAT json"}
_NORMAL = NormalDist()


class Simulated(BaseModel):
    events: int
    users: int
    month: str


def quantiles(value, level: np.ndarray) -> np.ndarray:
    """Q(level) of a segment's `usage` value, for each level in (0, 1)."""
    if isinstance(value, Lognormal):
        median, p90 = value.median.value, value.p90.value
        sigma = math.log(p90 / median) / _NORMAL.inv_cdf(0.9)
        z = np.frompyfunc(_NORMAL.inv_cdf, 1, 1)(level).astype(float)
        return median * np.exp(sigma * z)
    if isinstance(value, Uniform):
        low, high = value.low.value, value.high.value
        return low + level * (high - low)
    if isinstance(value, Values):
        items = np.array([v.value for v in value.items])
        return items[np.minimum((level * len(items)).astype(int), len(items) - 1)]
    assert isinstance(value, Number)
    return np.full(len(level), value.value)


def event_format(path: Path) -> str:
    """COPY's options for an event log named `path` (FitError for a name
    the log cannot take)."""
    suffixes = [s.lower() for s in path.suffixes]
    gzip = suffixes[-1:] == [".gz"]
    if gzip:
        suffixes = suffixes[:-1]
    found = FORMATS.get(suffixes[-1]) if suffixes else None
    if found is None or (gzip and found == FORMATS[".parquet"]):
        raise FitError(f"{path}: write events to .parquet, .csv or .jsonl (or .csv.gz, .jsonl.gz)")
    return f"({found}{', COMPRESSION gzip' if gzip else ''})"


def _written(con, query: str, path: Path, options: str) -> None:
    """COPY `query` to `path` through a temporary file beside it, so that a
    failure never leaves half a file."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        con.execute(f"COPY ({query}) TO {_quote(str(temp))} {options}")
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def simulate(model: Model, output: str | Path, month: str, scale: float = 0.001, seed: int = 0,
             events: int = 20, users_output: str | Path | None = None) -> Simulated:
    """Write an event log of `month` (YYYY-MM) for `model`'s segments to
    `output`, and the users table (user, segment) to `users_output`
    (default: users.csv beside the log)."""
    output = Path(output)
    users_output = Path(users_output) if users_output is not None else output.parent / "users.csv"
    if not MONTH.match(month):
        raise FitError(f"--month is YYYY-MM, e.g. 2026-10, not '{month}'")
    if not 0.0 < scale <= 1.0:
        raise FitError("--scale is the share of each segment's users to simulate, above 0 and at most 1")
    if events < 1:
        raise FitError("--events is at least 1")
    if seed < 0:
        raise FitError(f"--seed is a whole number from 0 up, not {seed}")
    rng = np.random.default_rng(seed)
    resources = list(model.resources)
    ids, resource_ids, people, totals, actives = [], [], [], [], []
    first = 0
    for index, segment in enumerate(model.segments.values()):
        n = round(segment.users.value * scale)
        level = (rng.permutation(n) + rng.random(n)) / n if n else np.zeros(0)
        people.append((np.arange(first, first + n), index))
        # `active = N days, H hours` (spec section 11): events on N days of the month, H hours on each;
        # [0, 0] without it: times spread over the whole month
        written = segment.settings("active")
        active = [max(1, round(segment.active[0])), max(1, math.ceil(segment.active[1]))] if written else [0, 0]
        for usage in segment.usages:
            r = resources.index(usage.resource.name)
            amount = quantiles(usage.value, level)
            kept = amount > 0
            ids.append(np.arange(first, first + n)[kept])
            resource_ids.append(np.full(kept.sum(), r, dtype=np.int64))
            totals.append(amount[kept])
            actives.append(np.tile(np.array(active, dtype=np.int64), (int(kept.sum()), 1)))
        first += n
    user = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    resource = np.concatenate(resource_ids) if resource_ids else np.zeros(0, dtype=np.int64)
    total = np.concatenate(totals) if totals else np.zeros(0)
    count = np.minimum(np.maximum(np.ceil(total), 1), events).astype(np.int64)
    width = max(len(str(max(first - 1, 0))), 1)
    con = _connect()
    days_hours = np.concatenate(actives) if actives else np.zeros((0, 2), dtype=np.int64)
    con.register("totals", {"id": user, "rid": resource, "total": total, "n": count,
                            "nd": days_hours[:, 0], "nh": days_hours[:, 1]})
    names = "[" + ", ".join(_quote(r) for r in resources) + "]"
    start = f"TIMESTAMPTZ '{month}-01 00:00:00+00'"
    span = f"epoch_us({start} + INTERVAL 1 MONTH) - epoch_us({start})"
    year, number = (int(part) for part in month.split("-"))
    days = (date(year + number // 12, number % 12 + 1, 1) - date(year, number, 1)).days
    options = event_format(output)
    _written(con, f"""
        SELECT 'u' || lpad(CAST(id AS VARCHAR), {width}, '0') AS "user",
               {start} + to_microseconds(CASE WHEN nd = 0
                   THEN CAST(hash(id, rid, j, {int(seed)}) % ({span}) AS BIGINT)
                   ELSE CAST(((hash(id, {int(seed)}, 1) % {days} + hash(id, rid, j, {int(seed)}) % least(nd, {days}))
                              % {days} * 24 + hash(id, {int(seed)}, 2) % (25 - nh)
                              + hash(id, rid, j, {int(seed)}, 3) % nh) * 3600000000
                             + hash(id, rid, j, {int(seed)}, 4) % 3600000000 AS BIGINT) END) AS time,
               {names}[rid + 1] AS resource,
               total / n AS quantity
        FROM (SELECT id, rid, total, n, nd, nh, unnest(range(n)) AS j FROM totals)""", output, options)
    segment_names = list(model.segments)
    member_ids = np.concatenate([ids_ for ids_, _ in people]) if people else np.zeros(0, dtype=np.int64)
    member_segments = np.concatenate([np.full(len(ids_), i, dtype=np.int64) for ids_, i in people]) \
        if people else np.zeros(0, dtype=np.int64)
    con.register("members", {"id": member_ids, "sid": member_segments})
    segments = "[" + ", ".join(_quote(s) for s in segment_names) + "]"
    _written(con, f"""
        SELECT 'u' || lpad(CAST(id AS VARCHAR), {width}, '0') AS "user", {segments}[sid + 1] AS segment
        FROM members ORDER BY id""", users_output, "(FORMAT csv, HEADER true)")
    return Simulated(events=int(count.sum()), users=int(first), month=month)
