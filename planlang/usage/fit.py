"""Segments calibrated from usage logs (`planlang fit`).

Usage events (user, time, resource, quantity) from CSV, Parquet or JSON
lines are read and summed per user and resource by DuckDB, in the file and
out of Python; only per-user monthly totals come back. Buckets follow the
language's definition on the empirical distribution: a segment's n users
sorted by a resource's monthly total, user i (from 0) holding quantile
levels [i/n, (i+1)/n); bucket b of K is K times the usage mass between
levels (b-1)/K and b/K, overlaps counted fractionally, so total usage is
exact.

Accounts of several seats (spec section 10): with an `account` column in
the events, the users of an account are its seats (those with events in the
month) and the account is the unit counted; with a `seats` column in the
users table, each listed user is an account of that many seats. Either way
`users` counts accounts, usage is per seat (an account's total over its
seats), and `seats` is bucketed as usage is.

    fit = planlang.fit("events.parquet", users="users.csv", month="2026-10")
    fit.segments["casual"].usage["message"].buckets    # K numbers
"""

from __future__ import annotations

import glob
import math
import re
import threading
from pathlib import Path
from statistics import NormalDist
from typing import Callable, Iterable

import numpy as np
from pydantic import BaseModel

from planlang import api
from planlang.model import DAYS_PER_MONTH, DEFAULT_BUCKETS, Segment
from planlang.units import MAX_NUMBER

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
COLUMNS = ("user", "time", "resource", "quantity", "account")  # `account` is optional
SEATS = " seats"  # the seats' place among the resources while bucketing (no resource has a space)
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")
MAX_BUCKETS = 1000
MONTHS_NOTE = "# fit: each calendar month's usage against their mean; usage is the mean month's"
ACTIVE_NOTE = "# fit: days with events, hours from the first to the last event of such a day"
MEMORY_LIMIT = "2GB"  # DuckDB's share: 100M events fit in under 4 GB in all
Z90 = NormalDist().inv_cdf(0.9)
READERS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".jsonl": "json", ".ndjson": "json", ".json": "json"}


class FitError(Exception):
    """Bad input: the message names the file and column (and a row)."""


class LognormalFit(BaseModel):
    """`lognormal(median = M, p90 = X)` with the data's median and p90, and
    its Kolmogorov-Smirnov distance to the data (0 = the same distribution)."""

    median: float
    p90: float
    ks: float


class UsageFit(BaseModel):
    buckets: list[float]  # per bucket: mean monthly usage of its people
    zero_share: float  # share of the segment's users with no usage
    mean: float
    median: float
    p90: float
    lognormal: LognormalFit | None  # None when half the users or more use none


class SegmentFit(BaseModel):
    users: float  # accounts, when seats are known
    usage: dict[str, UsageFit]  # per seat, when seats are known
    seats: list[float] | None = None  # per bucket: mean seats of its accounts
    active: tuple[float, float] | None = None  # days with events, and clock hours with events on such a day
    months: list[float] | None = None  # with --months: each calendar month's usage against their mean


class Fit(BaseModel):
    month: str  # YYYY-MM, UTC
    events: int  # events in the month
    segments: dict[str, SegmentFit]
    unlisted_users: int = 0  # users with events in the month who are not in the users table
    months: dict[str, int] = {}  # events in every month the files hold
    picked: bool = False  # the month was not asked for: it is the one with the most events

    def notes(self, users: str | Path | None = None) -> list[str]:
        """What a person fitting should know: users left out, and the other
        months when this one was picked for them."""
        out = []
        if self.unlisted_users:
            out.append(f"{self.unlisted_users:,} user{'s' if self.unlisted_users != 1 else ''} with events in "
                       f"{self.month} {'are' if self.unlisted_users != 1 else 'is'} not in {users}: left out")
        others = {m: n for m, n in self.months.items() if m != self.month}
        if self.picked and others:
            listed = ", ".join(f"{m} ({n:,} event{'s' if n != 1 else ''})" for m, n in sorted(others.items()))
            out.append(f"fitted {self.month}, the month with the most events ({self.events:,}); the events also "
                       f"hold {listed}: choose one with --month")
        return out


# ---- reading ------------------------------------------------------------------------------


def expand(paths: Iterable[str | Path]) -> list[str]:
    """Files named or matched by globs, in order, each once."""
    out: list[str] = []
    for path in map(str, paths):
        matched = sorted(glob.glob(path)) if any(c in path for c in "*?[") else [path]
        if not matched:
            raise FitError(f"{path}: no file matches")
        for name in matched:
            if not Path(name).is_file():
                raise FitError(f"{name}: no such file")
            if name not in out:
                out.append(name)
    return out


def _reader(name: str) -> str:
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = READERS.get(suffixes[-1] if suffixes else "")
    if kind is None:
        raise FitError(f"{name}: a usage file is .csv, .parquet or .jsonl (optionally .gz)")
    return kind


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source_sql(files: list[str]) -> str:
    """One relation over every file (columns matched by name)."""
    parts = []
    for kind in ("csv", "parquet", "json"):
        group = [f for f in files if _reader(f) == kind]
        if not group:
            continue
        listed = "[" + ", ".join(_quote(f) for f in group) + "]"
        if kind == "csv":
            parts.append(f"SELECT * FROM read_csv({listed}, header = true, all_varchar = true, "
                         "union_by_name = true)")
        elif kind == "parquet":
            parts.append(f"SELECT * FROM read_parquet({listed}, union_by_name = true)")
        else:
            parts.append(f"SELECT * FROM read_json({listed}, format = 'newline_delimited', "
                         "union_by_name = true)")
    return " UNION ALL BY NAME ".join(parts)


def _connect():
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Order of rows never matters here; without it DuckDB streams with less memory, and it
    # spills to a temporary directory rather than grow past the limit.
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    return con


def _error(error: Exception) -> str:
    return str(error).strip().split("\n")[0]


def _columns(con, sql: str, files: list[str]) -> dict[str, str]:
    """Column name -> DuckDB type."""
    import duckdb

    try:
        return {row[0]: row[1] for row in con.execute(f"DESCRIBE {sql}").fetchall()}
    except duckdb.Error as error:
        raise FitError(f"{', '.join(files)}: cannot read: {_error(error)}") from None


def _mapped(columns: dict[str, str] | None) -> dict[str, str]:
    mapping = {c: c for c in COLUMNS}
    for key, name in (columns or {}).items():
        if key not in COLUMNS:
            raise FitError(f"--columns maps {', '.join(COLUMNS)}, not '{key}'")
        mapping[key] = name
    return mapping


def _describe_row(row) -> str:
    user, resource, time, quantity = row
    return f"user {user!r}, time {time!r}, resource {resource!r}, quantity {quantity!r}"


def _events_view(con, files: list[str], columns: dict[str, str] | None) -> bool:
    """`ev`: account a (NULL without an account column), user u, resource r,
    time t (UTC) and quantity q of every event, after every column was found
    and every value checked. Whether the events have accounts."""
    sql = source_sql(files)
    present = _columns(con, sql, files)
    mapping = _mapped(columns)
    where = ", ".join(files)
    for key in ("user", "time", "resource") + (("quantity",) if "quantity" in (columns or {}) else ()):
        if mapping[key] not in present:
            raise FitError(f"{where}: no column '{mapping[key]}' for the {key} (the columns are "
                           f"{', '.join(present)}); name it with --columns {key}=COLUMN")
    def read(key: str, kind: str) -> str:
        """A column as `kind`, NULL where it cannot be read. Text goes through
        trim(): DuckDB 2.0 pushes a bare TRY_CAST into the CSV reader, which
        then fails on the first bad value instead of giving NULL."""
        column = _ident(mapping[key])
        return f"TRY_CAST(trim({column}) AS {kind})" if present[mapping[key]] == "VARCHAR" else \
            f"TRY_CAST({column} AS {kind})"

    quantity = read("quantity", "DOUBLE") if mapping["quantity"] in present else "1.0"
    quantity_text = f"CAST({_ident(mapping['quantity'])} AS VARCHAR)" if mapping["quantity"] in present else "'1'"
    if "account" in (columns or {}) and mapping["account"] not in present:
        raise FitError(f"{where}: no column '{mapping['account']}' for the account (the columns are "
                       f"{', '.join(present)})")
    account = f"CAST({_ident(mapping['account'])} AS VARCHAR)" if mapping["account"] in present else "NULL"
    con.execute(f"""
        CREATE VIEW ev AS SELECT
            {account} AS a,
            CAST({_ident(mapping['user'])} AS VARCHAR) AS u,
            CAST({_ident(mapping['resource'])} AS VARCHAR) AS r,
            CAST({_ident(mapping['time'])} AS VARCHAR) AS t_text,
            {read('time', 'TIMESTAMPTZ')} AS t,
            {quantity_text} AS q_text,
            {quantity} AS q
        FROM ({sql})""")
    checks = [
        ("u IS NULL", f"column '{mapping['user']}' is empty"),
        *([("a IS NULL", f"column '{mapping['account']}' is empty")] if mapping["account"] in present else []),
        ("r IS NULL", f"column '{mapping['resource']}' is empty"),
        ("t IS NULL", f"column '{mapping['time']}' holds a time that cannot be read (write ISO "
                      "time such as 2026-10-03T14:05:00Z)"),
        ("q IS NULL OR NOT isfinite(q)", f"column '{mapping['quantity']}' holds something that is not a number"),
        ("q < 0", f"column '{mapping['quantity']}' holds a negative quantity"),
    ]
    counts = _run(con, "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c})" for c, _ in checks) + " FROM ev",
                  files).fetchone()
    for (condition, message), count in zip(checks, counts):
        if count:
            row = con.execute(f"SELECT u, r, t_text, q_text FROM ev WHERE {condition} LIMIT 1").fetchone()
            raise FitError(f"{where}: {message}: {count:,} row{'s' if count > 1 else ''}, the first "
                           f"({_describe_row(row)})")
    return mapping["account"] in present


def _month(con, month: str | None, files: list[str]) -> tuple[str, str, dict[str, int]]:
    """The month to fit (YYYY-MM; by default the one with the most events,
    the later of a tie), the SQL condition selecting its events, and the
    events in every month."""
    where = ", ".join(files)
    months = dict(con.execute("SELECT strftime(t, '%Y-%m') AS m, count(*) FROM ev GROUP BY m ORDER BY m").fetchall())
    if not months:
        raise FitError(f"{where}: no events")
    if month is None:
        month = max(months, key=lambda m: (months[m], m))
    elif not MONTH.match(month):
        raise FitError(f"--month is YYYY-MM, e.g. 2026-10, not '{month}'")
    condition = (f"t >= TIMESTAMPTZ '{month}-01 00:00:00+00' AND "
                 f"t < TIMESTAMPTZ '{month}-01 00:00:00+00' + INTERVAL 1 MONTH")
    if month not in months:
        first, last = min(months), max(months)
        span = first if first == last else f"{first} to {last}"
        raise FitError(f"{where}: no events in {month} (the events span {span}); choose a month with --month")
    return month, condition, months


def _members(con, users: str | Path | None, accounts: bool) -> bool:
    """`members`: user u of segment s, from the users table or (without one)
    every user seen in the month, in segment `users`; with `accounts`, u is
    an account, in the segment of its users. `seated`: seats n of each
    member u, from the events' accounts or the users table's `seats`
    column. Whether seats are known."""
    if users is None:
        con.execute("CREATE TEMP TABLE members AS SELECT DISTINCT u, 'users' AS s FROM totals")
        return accounts
    (name,) = expand([users])
    if _reader(name) == "json":
        raise FitError(f"{name}: the users table is .csv or .parquet")
    sql = source_sql([name])
    present = _columns(con, sql, [name])
    for column in ("user", "segment"):
        if column not in present:
            raise FitError(f"{name}: no column '{column}' (the columns are {', '.join(present)})")
    seats = "TRY_CAST(trim(CAST(seats AS VARCHAR)) AS DOUBLE)" if "seats" in present else "1.0"
    con.execute(f"""CREATE TEMP TABLE listed AS
        SELECT CAST("user" AS VARCHAR) AS u, CAST(segment AS VARCHAR) AS s, {seats} AS n FROM ({sql})""")
    if "seats" in present:
        bad = con.execute("SELECT u, n FROM listed WHERE n IS NULL OR NOT isfinite(n) OR n <= 0 LIMIT 1").fetchone()
        if bad:
            raise FitError(f"{name}: column 'seats' of user {bad[0]!r} is not a number above 0")
        if accounts:
            raise FitError(f"{name}: the events have accounts, which give the seats; drop the users table's "
                           "'seats' column, or the events' account column")
    empty = con.execute("SELECT u, s FROM listed WHERE u IS NULL OR s IS NULL LIMIT 1").fetchone()
    if empty:
        raise FitError(f"{name}: a row has no {'user' if empty[0] is None else 'segment'} "
                       f"(user {empty[0]!r}, segment {empty[1]!r})")
    twice = con.execute("""SELECT u, min(s), max(s) FROM listed GROUP BY u
                           HAVING count(DISTINCT s) > 1 LIMIT 1""").fetchone()
    if twice:
        raise FitError(f"{name}: user {twice[0]!r} is in two segments ({twice[1]} and {twice[2]}); "
                       "a user belongs to one segment for the month")
    for (segment,) in con.execute("SELECT DISTINCT s FROM listed ORDER BY s").fetchall():
        if not IDENTIFIER.match(segment):
            raise FitError(f"{name}: column 'segment' holds {segment!r}, which is not a name a .plan "
                           "file can use (letters, digits and _, not starting with a digit)")
    if accounts:  # an account is in the segment of its users
        con.execute("""CREATE TEMP TABLE listed_accounts AS
            SELECT DISTINCT seen.a AS u, listed.s FROM (SELECT DISTINCT a, u FROM seats_seen) seen
            JOIN listed USING (u)""")
        split = con.execute("""SELECT u, min(s), max(s) FROM listed_accounts GROUP BY u
                               HAVING count(DISTINCT s) > 1 LIMIT 1""").fetchone()
        if split:
            raise FitError(f"{name}: account {split[0]!r} has users in two segments ({split[1]} and {split[2]}); "
                           "an account belongs to one segment")
        con.execute("CREATE TEMP TABLE members AS SELECT u, s FROM listed_accounts")
        return True
    con.execute("CREATE TEMP TABLE members AS SELECT DISTINCT u, s FROM listed")
    if "seats" not in present:
        return False
    con.execute("CREATE OR REPLACE TEMP TABLE seated AS SELECT u, max(n) AS n FROM listed GROUP BY u")
    return True


# ---- the figures --------------------------------------------------------------------------


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * np.vectorize(math.erfc)(-z / math.sqrt(2.0))


def lognormal_fit(values: np.ndarray, median: float, p90: float) -> LognormalFit | None:
    """The language's lognormal through the data's median and p90, and its
    Kolmogorov-Smirnov distance to the data (None when the median is 0)."""
    if median <= 0.0:
        return None
    distinct, counts = np.unique(values, return_counts=True)
    after = np.cumsum(counts) / len(values)  # empirical CDF at each distinct value
    before = after - counts / len(values)  # and just below it
    sigma = math.log(p90 / median) / Z90
    with np.errstate(divide="ignore"):
        logs = np.log(distinct)
    if sigma == 0.0:  # a point mass: its CDF jumps at the median, so compare left limits apart
        model, below = (distinct >= median).astype(float), (distinct > median).astype(float)
    else:
        model = below = np.where(distinct > 0, _normal_cdf((logs - math.log(median)) / sigma), 0.0)
    ks = float(max(np.max(np.abs(model - after)), np.max(np.abs(below - before))))
    return LognormalFit(median=median, p90=p90, ks=ks)


def _run(con, sql: str, files: list[str], progress: Callable[[float], None] | None = None):
    """Execute `sql`, reporting DuckDB's progress (0-100) to `progress`
    from this thread while another runs the query."""
    import duckdb

    if progress is None:
        try:
            return con.execute(sql)
        except duckdb.Error as error:
            raise FitError(f"{', '.join(files)}: {_error(error)}") from None
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["result"] = con.execute(sql)
        except duckdb.Error as error:
            outcome["error"] = error

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        done = con.query_progress()
        if done >= 0:
            progress(done)
    if "error" in outcome:
        raise FitError(f"{', '.join(files)}: {_error(outcome['error'])}")
    return outcome["result"]


def fit(events: str | Path | Iterable[str | Path], users: str | Path | None = None, month: str | None = None,
        buckets: int | dict[str, int] = DEFAULT_BUCKETS, columns: dict[str, str] | None = None,
        scale: float = 1.0, progress: Callable[[float], None] | None = None, months: bool = False) -> Fit:
    """Segments fitted from usage events. `buckets`: K for every segment, or
    per segment name (others get 10); `scale`: the share of all users the
    log covers (users = count / scale); `progress`: called with DuckDB's
    percent done while the events are summed; `months`: also `months`
    (spec section 11) from every calendar month the events hold, the usage
    then being the mean month's (see _months)."""
    files = expand([events] if isinstance(events, (str, Path)) else events)
    if not 0.0 < scale <= 1.0:
        raise FitError("--scale is the share of users the events cover, above 0 and at most 1")
    con = _connect()
    accounts = _events_view(con, files, columns)
    picked = month is None
    month, condition, months_held = _month(con, month, files)
    for (resource,) in con.execute(f"SELECT DISTINCT r FROM ev WHERE {condition} ORDER BY r").fetchall():
        if not IDENTIFIER.match(resource) or resource == "credits":
            row = con.execute("SELECT u, r, t_text, q_text FROM ev WHERE r = ? LIMIT 1", [resource]).fetchone()
            raise FitError(f"{', '.join(files)}: the resource {resource!r} is not a name a .plan file can "
                           "use (letters, digits and _, not starting with a digit, not 'credits'); rename "
                           f"it in the events (first row: {_describe_row(row)})")
    unit = "a" if accounts else "u"  # what is counted: accounts, or users
    _run(con, f"""CREATE TEMP TABLE totals AS
        SELECT {unit} AS u, r, sum(q) AS x, count(*) AS events FROM ev WHERE {condition} GROUP BY {unit}, r""",
         files, progress)
    count = con.execute("SELECT sum(events) FROM totals").fetchone()[0]
    _within_limits(con, files)
    if accounts:  # an account's seats: its users with events in the month
        con.execute(f"CREATE TEMP TABLE seats_seen AS SELECT DISTINCT a, u FROM ev WHERE {condition}")
        con.execute("CREATE TEMP TABLE seated AS SELECT a AS u, count(*)::DOUBLE AS n FROM seats_seen GROUP BY a")
    seated = _members(con, users, accounts)
    unlisted = con.execute("SELECT count(DISTINCT u) FROM totals WHERE u NOT IN (SELECT u FROM members)"
                           ).fetchone()[0]
    segments = [s for (s,) in con.execute("SELECT DISTINCT s FROM members ORDER BY s").fetchall()]
    sizes = {s: (buckets.get(s, DEFAULT_BUCKETS) if isinstance(buckets, dict) else buckets) for s in segments}
    for s, k in sizes.items():
        if not 1 <= k <= MAX_BUCKETS:
            raise FitError(f"segment {s}: buckets is from 1 to {MAX_BUCKETS}, not {k}")
    con.execute("CREATE TEMP TABLE sizes (s VARCHAR, k DOUBLE)")
    con.executemany("INSERT INTO sizes VALUES (?, ?)", list(sizes.items()))
    if seated:  # usage per seat; the seats bucketed as a resource would be
        con.execute("""CREATE TEMP TABLE grid AS
            SELECT m.s, res.r, m.u, coalesce(t.x, 0.0) / st.n AS x
            FROM members m JOIN seated st USING (u) CROSS JOIN (SELECT DISTINCT r FROM totals) res
            LEFT JOIN totals t ON t.u = m.u AND t.r = res.r""")
        con.execute("INSERT INTO grid SELECT m.s, ?, m.u, st.n FROM members m JOIN seated st USING (u)", [SEATS])
    else:
        con.execute("""CREATE TEMP TABLE grid AS
            SELECT m.s, res.r, m.u, coalesce(t.x, 0.0) AS x
            FROM members m CROSS JOIN (SELECT DISTINCT r FROM totals) res
            LEFT JOIN totals t ON t.u = m.u AND t.r = res.r""")
    values = _buckets(con)
    out: dict[str, SegmentFit] = {}
    rows = con.execute("""SELECT s, r, count(*), count(*) FILTER (WHERE x = 0), avg(x),
                                 quantile_cont(x, 0.5), quantile_cont(x, 0.9)
                          FROM grid WHERE r <> ? GROUP BY s, r ORDER BY s, r""", [SEATS]).fetchall()
    for s, r, n, zeros, mean, median, p90 in rows:
        data = con.execute("SELECT x FROM grid WHERE s = ? AND r = ? ORDER BY x", [s, r]).fetchnumpy()["x"]
        segment = out.setdefault(s, SegmentFit(users=n / scale, usage={}))
        segment.usage[r] = UsageFit(buckets=values[s, r], zero_share=zeros / n, mean=mean, median=median,
                                    p90=p90, lognormal=lognormal_fit(data, median, p90))
    for s in segments:  # a segment whose users used nothing at all in the month
        out.setdefault(s, SegmentFit(users=con.execute("SELECT count(*) FROM members WHERE s = ?", [s]
                                                       ).fetchone()[0] / scale, usage={}))
        if seated:
            out[s].seats = values.get((s, SEATS))
    for s, days, hours in _activity(con, unit, condition):
        out[s].active = (days, hours)
    if months and len(months_held) > 1:
        held = sorted(months_held)
        for s, factors in _months(con, unit, held).items():
            if s in out and factors[held.index(month)] > 0.0:
                out[s] = _per_mean_month(out[s], factors, factors[held.index(month)])
    for s, segment in out.items():
        if segment.users > MAX_NUMBER:
            raise FitError(f"--scale {scale:g} makes {segment.users:.6g} users of segment {s}, more than a .plan "
                           f"file can hold ({MAX_NUMBER:.0e})")
    return Fit(month=month, events=int(count or 0), segments=out, unlisted_users=unlisted, months=months_held,
               picked=picked)


def _activity(con, unit: str, condition: str) -> list[tuple[str, float, float]]:
    """Per segment, `active = N days, H hours` (spec section 11): the mean
    over its users (accounts) with events in the month of the days (UTC)
    with an event, and of the hours from the first to the last event of
    such a day (counted in clock hours: one hour when all fall in one); a
    month holds at most 730/24 days."""
    return con.execute(f"""
        WITH daily AS (
            SELECT {unit} AS u, (max(hour(t)) - min(hour(t)) + 1)::DOUBLE AS hours
            FROM ev WHERE {condition} GROUP BY {unit}, date_trunc('day', t)
        ), activity AS (
            SELECT u, count(*)::DOUBLE AS days, avg(hours) AS hours FROM daily GROUP BY u)
        SELECT m.s, least(avg(a.days), ?), avg(a.hours)
        FROM members m JOIN activity a USING (u) GROUP BY m.s ORDER BY m.s""", [DAYS_PER_MONTH]).fetchall()


def _months(con, unit: str, held: list[str]) -> dict[str, list[float]]:
    """Per segment, `months = [...]` (spec section 11) in calendar order:
    each month's total of every resource over the segment's users, against
    that resource's mean month, averaged over the resources. The language's
    months move every user of a segment together, so the segment's totals
    are what they scale. A month the events hold only part of reads low."""
    rows = con.execute(f"""
        SELECT m.s, e.r, strftime(e.t, '%Y-%m'), sum(e.q)
        FROM ev e JOIN members m ON m.u = e.{unit} GROUP BY 1, 2, 3""").fetchall()
    totals: dict[tuple[str, str], list[float]] = {}
    for s, r, month, x in rows:
        totals.setdefault((s, r), [0.0] * len(held))[held.index(month)] = x
    out: dict[str, list[list[float]]] = {}
    for (s, _), x in sorted(totals.items()):
        mean = sum(x) / len(x)
        if mean > 0.0:
            out.setdefault(s, []).append([v / mean for v in x])
    return {s: [sum(f[t] for f in per) / len(per) for t in range(len(held))] for s, per in out.items()}


def _per_mean_month(segment: SegmentFit, months: list[float], factor: float) -> SegmentFit:
    """`segment` fitted on a month `factor` times the mean one, as the mean month with `months`."""
    usage = {r: u.model_copy(update={
        "buckets": [v / factor for v in u.buckets], "mean": u.mean / factor, "median": u.median / factor,
        "p90": u.p90 / factor, "lognormal": None if u.lognormal is None else u.lognormal.model_copy(
            update={"median": u.lognormal.median / factor, "p90": u.lognormal.p90 / factor})})
        for r, u in segment.usage.items()}
    return segment.model_copy(update={"usage": usage, "months": months})


def _within_limits(con, files: list[str]) -> None:
    """Monthly totals a .plan file can hold (numbers up to 1e15)."""
    found = con.execute("SELECT u, r, x FROM totals WHERE x > ? ORDER BY x DESC LIMIT 1", [MAX_NUMBER]).fetchone()
    if found:
        raise FitError(f"{', '.join(files)}: user {found[0]!r} used {found[2]:.6g} {found[1]} in the month, more than "
                       f"a .plan file can hold ({MAX_NUMBER:.0e}); check the quantity column's unit")


def _buckets(con) -> dict[tuple[str, str], list[float]]:
    """Bucket b (from 0) of K: K x the usage mass between levels b/K and
    (b+1)/K, user i of n holding [i/n, (i+1)/n); each user is spread over
    the buckets its levels overlap."""
    rows = con.execute("""
        WITH ranked AS (
            SELECT g.s, g.r, g.x, sizes.k,
                   (row_number() OVER (PARTITION BY g.s, g.r ORDER BY g.x) - 1)::DOUBLE AS i,
                   (count(*) OVER (PARTITION BY g.s, g.r))::DOUBLE AS n
            FROM grid g JOIN sizes USING (s)
        ), spread AS (
            SELECT s, r, x, k, i, n,
                   unnest(range(floor(i * k / n)::BIGINT, ceil((i + 1) * k / n)::BIGINT)) AS b
            FROM ranked
        )
        SELECT s, r, b, k * sum(x * (least((i + 1) / n, (b + 1) / k) - greatest(i / n, b / k)))
        FROM spread GROUP BY s, r, b, k ORDER BY s, r, b""").fetchall()
    out: dict[tuple[str, str], list[float]] = {}
    for s, r, _, value in rows:
        out.setdefault((s, r), []).append(value)
    return out


# ---- as .plan text ------------------------------------------------------------------------


def number(value: float) -> str:
    """A number as a .plan file writes it: at most 7 significant digits,
    never an exponent."""
    text = np.format_float_positional(value, precision=7, unique=False, fractional=False, trim="-")
    return text.rstrip(".") if "." in text else text


def count(users: float) -> str:
    """A number of users: whole when it is one (as sampled users scale up),
    with a K, M or B suffix when that says it exactly (150M, 20K)."""
    whole = round(users)
    if abs(users - whole) > 1e-6 * max(1.0, users):
        return number(users)
    for suffix, size in (("B", 10 ** 9), ("M", 10 ** 6), ("K", 10 ** 3)):
        if whole >= size and whole % size == 0:
            return f"{whole // size}{suffix}"
    return str(whole)


def comment(usage: UsageFit) -> str:
    """`# fit: ...`: the lognormal that fits, or why none does."""
    zeros = f", {usage.zero_share:.0%} use none" if usage.zero_share else ""
    if usage.lognormal is None:
        return f"# fit: no lognormal (median 0{zeros})"
    fitted = usage.lognormal
    return (f"# fit: lognormal(median = {number(fitted.median)}, p90 = {number(fitted.p90)}), "
            f"KS distance {fitted.ks:.3f}{zeros}")


def usage_line(resource: str, usage: UsageFit) -> str:
    return f"usage {resource} = [{', '.join(number(v) for v in usage.buckets)}]"


def seats_line(segment: SegmentFit) -> str:
    return f"seats = [{', '.join(number(v) for v in segment.seats)}]"


def active_line(segment: SegmentFit) -> str:
    days, hours = (number(round(value, 2)) for value in segment.active)
    return f"active = {days} {'day' if days == '1' else 'days'}, {hours} {'hour' if hours == '1' else 'hours'}"


def months_line(segment: SegmentFit) -> str:
    return f"months = [{', '.join(number(round(m, 3)) for m in segment.months)}]"


def segment_text(name: str, segment: SegmentFit, buckets: int) -> str:
    lines = [f"segment {name} {{", f"  users = {count(segment.users)}", f"  buckets = {buckets}"]
    lines += [f"  {seats_line(segment)}  # accounts' seats; usage is per seat"] if segment.seats else []
    lines += [f"  {active_line(segment)}  {ACTIVE_NOTE}"] if segment.active else []
    lines += [f"  {months_line(segment)}  {MONTHS_NOTE}"] if segment.months else []
    lines += [f"  {usage_line(r, u)}  {comment(u)}" for r, u in segment.usage.items() if u.zero_share < 1.0]
    return "\n".join(lines + ["}"])


def segments_text(result: Fit, source: str) -> str:
    """`segment` blocks in the canonical layout, under a comment saying
    where they come from."""
    resources = sorted({r for s in result.segments.values() for r in s.usage})
    header = [f"resource {r} {{}}" for r in resources]
    blocks = [segment_text(name, s, _size(s)) for name, s in result.segments.items()]
    text = api.dumps(api.loads("\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n"))
    body = text.split("\n\n", 1)[1] if header else text
    return (f"# fitted by planlang fit from {source}: {result.events:,} events in {result.month}\n"
            f"# add what each unit is worth to these users: value RESOURCE = $...\n\n{body}")


def _size(segment: SegmentFit) -> int:
    return len(next(iter(segment.usage.values())).buckets) if segment.usage else DEFAULT_BUCKETS


# ---- into an existing file ------------------------------------------------------------------


def into(result: Fit, text: str, path: str) -> tuple[str, list[str]]:
    """`text` (a valid .plan file) with the `users`, `buckets` and `usage`
    lines of its segments that were fitted rewritten in place (comments,
    values and everything else kept), and new segments added at the end;
    and notes on what was kept. A file in canonical layout (`planlang fmt`)
    comes back in canonical layout. The caller checks the result."""
    from planlang.edit import line_starts

    model = api.loads(text, path)
    missing = sorted({r for s in result.segments.values() for r in s.usage} - set(model.resources))
    if missing:
        raise FitError(f"{path} declares no resource {', '.join(missing)}, which the events use; declare "
                       f"{'it' if len(missing) == 1 else 'them'} (resource {missing[0]} {{ gpu = ... }}) first")
    starts = line_starts(text)
    edits: list[tuple[int, int, str]] = []
    notes = []
    for name, fitted in result.segments.items():
        segment = model.segments.get(name)
        if segment is not None:
            edits += _segment_edits(text, starts, segment, fitted)
            kept = [u.resource.name for u in segment.usages if u.resource.name not in fitted.usage]
            notes += [f"segment {name}: usage {r} kept (no {r} events in {result.month})" for r in kept]
    out = text
    for begin, end, new in sorted(edits, reverse=True):
        out = out[:begin] + new + out[end:]
    added = [segment_text(name, s, _size(s)) for name, s in result.segments.items() if name not in model.segments]
    if added:
        out = out.rstrip("\n") + "\n\n" + "\n\n".join(added) + "\n"
    if api.dumps(model) == api.normalize(text):  # a file in canonical layout stays in it
        try:
            out = api.dumps(api.loads(out, path))
        except api.PlanError:
            pass  # the caller reports what is wrong with the fitted file
    return out, notes


def _segment_edits(text: str, starts: list[int], segment: Segment, fitted: SegmentFit) -> list:
    from planlang.edit import extent

    def line_end(node) -> int:
        return starts[node.span.end_line] - 1 if node.span.end_line < len(starts) else len(text)

    def after(node, items: list[tuple[str, str]]) -> tuple[int, int, str]:
        """Insert `items` (item, note) after `node`, in order: each on a line
        of its own (with its note as a comment), or beside it in a block
        written on one line."""
        if node.span.line == segment.span.line:  # a block on one line
            end = extent(starts, node)[1]
            return end, end, "".join(f"  {item}" for item, _ in items)
        indent = re.match(r"[ \t]*", text[starts[node.span.line - 1]:]).group(0)
        end = line_end(node)
        return end, end, "".join(f"\n{indent}{item}" + (f"  {note}" if note else "") for item, note in items)

    edits = []
    users = segment.users
    edits.append((*extent(starts, users), count(fitted.users)))
    size = _size(fitted)
    last, new = users, []  # what goes after `last`, as (item, note)
    if segment.buckets is not None:
        edits.append((*extent(starts, segment.buckets), str(size)))
        last = segment.buckets
    else:
        new.append((f"buckets = {size}", ""))
    if fitted.seats and segment.seats is not None:
        edits.append((*extent(starts, segment.seats), seats_line(fitted)))
    elif fitted.seats:
        new.append((seats_line(fitted), "# accounts' seats; usage is per seat"))
    active = segment.settings("active")
    if fitted.active and active:
        edits.append((*extent(starts, active[0]), active_line(fitted)))
    elif fitted.active:
        new.append((active_line(fitted), ACTIVE_NOTE))
    written = segment.settings("months")
    if fitted.months and written:
        edits.append((*extent(starts, written[0]), months_line(fitted)))
    elif fitted.months:
        new.append((months_line(fitted), MONTHS_NOTE))
    if new:
        edits.append(after(last, new))
    for usage in segment.usages:
        if usage.resource.name in fitted.usage:
            fitted_usage = fitted.usage[usage.resource.name]
            begin, end = extent(starts, usage)
            edits.append((begin, end, usage_line(usage.resource.name, fitted_usage)))
            edits.append(_comment(text, end, line_end(usage), comment(fitted_usage)))
        last = usage if last.span.end_line <= usage.span.end_line else last
    written = {u.resource.name for u in segment.usages}
    for resource, fitted_usage in fitted.usage.items():
        if resource not in written and fitted_usage.zero_share < 1.0:  # none used: 0, as unwritten
            edits.append(after(last, [(usage_line(resource, fitted_usage), comment(fitted_usage))]))
    return edits


def _comment(text: str, end: int, line_end: int, new: str) -> tuple[int, int, str]:
    """Put the fit's comment after a rewritten usage line: replacing an
    earlier fit's comment, never a comment of the user's, and never where
    more items follow on the line."""
    rest = text[end:line_end]
    found = rest.find("#")
    code = rest if found < 0 else rest[:found]
    if code.strip():
        return end, end, ""
    if found < 0:
        return end, end, f"  {new}"
    if rest[found:].startswith("# fit:"):
        return end + found, line_end, new
    return end, end, ""
