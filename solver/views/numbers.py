"""Numbers as people read them, by their kind (planlang/items.py): money
exact as a file writes it (`$1.49`, `$30,000`, `$0.000001`) or with its
cents per user (`$35.50`), monthly totals compact (`$213.96M`), counts
(`5,000`, `150.0M`), percents. A choice of a configuration is written by
the kind of the number it chooses, in every view alike.
"""

from __future__ import annotations

import math

from planlang.items import COUNT, MONEY, NUMBER, PERCENT, choice_kind
from planlang.model import number_text

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def _with_symbol(text: str, currency: str) -> str:
    negative = text.startswith("-")
    text = text.lstrip("-")
    symbol = SYMBOLS.get(currency)
    body = f"{symbol}{text}" if symbol else f"{text} {currency}"
    return f"-{body}" if negative else body


def exact(value: float | None) -> str:
    """A number as the file would write it, with thousands separated:
    `5,000`, `2.5`, `0.000001`, `unlimited` (None or infinite)."""
    if value is None or math.isinf(value):
        return "unlimited"
    sign = "-" if value < 0 else ""
    whole, _, fraction = number_text(abs(value)).partition(".")
    return f"{sign}{int(whole):,}" + (f".{fraction}" if fraction else "")


def price(value: float | None, currency: str) -> str:
    """Exact: a price as the file would write it ($8, $0.049, $30,000)."""
    if value is None:
        return "—"
    return _with_symbol(exact(value), currency)


def cents(value: float, currency: str) -> str:
    """Money per user, always with its cents ($35.50); an amount below a
    cent keeps the digits that show it ($0.004)."""
    if value != 0 and abs(value) < 0.005:
        return price(value, currency)
    return _with_symbol(f"{value:,.2f}", currency)


def amount(value: float, currency: str) -> str:
    """Compact: a monthly total ($213.96M)."""
    return _with_symbol(count(value, 2), currency)


def count(value: float, digits: int = 1) -> str:
    """Compact: users, hours (150.0M, 2,000)."""
    if math.isinf(value):
        return "unlimited"
    for limit, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K")):
        if abs(value) >= limit:
            return f"{value / unit:,.{digits}f}{suffix}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def by_kind(value: float | None, kind: str, currency: str) -> str:
    """A number of the file, written as its kind is."""
    if kind == MONEY:
        return price(value, currency)
    if kind == PERCENT:
        return f"{exact(value)}%"
    if kind in (COUNT, NUMBER):
        return exact(value)
    raise ValueError(f"no way to write a {kind} here")


def choice(label: str, value: float | None, currency: str) -> str:
    """A configuration's choice (`overage.ticket` 1.49) as `$1.49`; a quota
    of 5000 as `5,000`; None (unlimited) as `unlimited`."""
    return by_kind(value, choice_kind(label), currency)
