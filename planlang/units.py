"""Units the language knows, and conversions to the ones the economics use:
hours, kilowatts, kilowatt-hours. Figures are per month of 730 hours."""

from __future__ import annotations

HOURS_PER_MONTH = 730.0
MONTHS_PER_YEAR = 12
HOURS_PER_DAY = 24.0
MAX_NUMBER = 1e15  # beyond this, sums of money lose cents in floating point

HOURS = {
    "ms": 1 / 3_600_000,
    "s": 1 / 3600,
    "min": 1 / 60,
    "h": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "day": HOURS_PER_DAY,
    "days": HOURS_PER_DAY,
    "month": HOURS_PER_MONTH,
    "months": HOURS_PER_MONTH,
    "year": HOURS_PER_MONTH * MONTHS_PER_YEAR,
    "years": HOURS_PER_MONTH * MONTHS_PER_YEAR,
}
KILOWATTS = {"W": 1e-3, "kW": 1.0, "MW": 1e3}
KILOWATT_HOURS = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3}

UNIT_KINDS = {
    **{u: "time" for u in HOURS},
    **{u: "power" for u in KILOWATTS},
    **{u: "energy" for u in KILOWATT_HOURS},
}
ALL_UNITS = tuple(UNIT_KINDS)

# A currency symbol stands for the file's currency when it is one of these.
SYMBOLS = {
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD"),
    "€": ("EUR",),
    "£": ("GBP",),
    "¥": ("JPY", "CNY"),
}

SCALES = {"K": 1e3, "M": 1e6, "B": 1e9}


def parse_number(text: str) -> float:
    """`1_000`, `0.5`, `150M` -> float."""
    scale = 1.0
    if text and text[-1] in SCALES:
        scale = SCALES[text[-1]]
        text = text[:-1]
    return float(text.replace("_", "")) * scale


def hours(value: float, unit: str) -> float:
    return value * HOURS[unit]


def seconds(value: float, unit: str) -> float:
    return value * HOURS[unit] * 3600.0


def kilowatts(value: float, unit: str) -> float:
    return value * KILOWATTS[unit]


def per_hour(amount: float, unit: str) -> float:
    """A rate per `unit` of time, per hour."""
    return amount / HOURS[unit]


def per_kilowatt_hour(amount: float, unit: str) -> float:
    return amount / KILOWATT_HOURS[unit]


def currency_matches(written: str, code: str) -> bool:
    """Whether money written with `written` (a symbol or an ISO code) is in
    the file's currency `code`."""
    if written in SYMBOLS:
        return code in SYMBOLS[written]
    return written == code
