"""Parse one spreadsheet cell: numbers, whole numbers, text, months and local times.

Cells arrive as text (CSV) or as spreadsheet values (XLSX: numbers, dates, text), so every
parser takes both and raises a ValueError whose message a spreadsheet user can act on. Nothing
non-finite gets through, and text that a spreadsheet would run as a formula is refused (CSV
injection: `=cmd|' /C calc'!A1` typed into a note must not reach a report someone opens in Excel).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_LOCAL_TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?")
# What Excel, LibreOffice and WPS run as a formula when a cell starts with it (OWASP's list;
# tab and carriage return are stripped with the other surrounding spaces).
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Error values a spreadsheet shows (and writes into a CSV) instead of a formula's result.
SPREADSHEET_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                                "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!"})
MAX_TEXT_CHARS = 500  # the longest note a park office writes; ids are far shorter


def parse_number(value: object) -> float:
    """A finite number from a numeric cell or from text such as `1234.5` or `1,234.5`."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "")
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"not a number: {shown_value(value)}")
        number = float(text)  # '1e999' parses, as inf: refused below
    else:
        raise ValueError(f"not a number: {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {shown_value(value)}")
    return number


def parse_whole_number(value: object) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def parse_text(value: object) -> str:
    """Identifiers typed into a spreadsheet may come back as numbers (12345 or 12345.0)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected text, got the non-finite number {value!r}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    text = value.strip()
    if text.upper() in SPREADSHEET_ERRORS:
        raise ValueError(f"the spreadsheet error {text} instead of a value; fix the formula "
                         "that produced it")
    if text.startswith(FORMULA_PREFIXES):
        raise ValueError(f"text starting with {text[0]!r} ({shown_value(text)}) is run as a "
                         "formula by spreadsheets; text must not start with "
                         f"{' '.join(FORMULA_PREFIXES)}")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text of {len(text)} characters; at most {MAX_TEXT_CHARS} are kept")
    return text


def parse_month(value: object) -> dt.date:
    """YYYY-MM (also YYYY/MM, YYYY年MM月) or a spreadsheet date on the 1st: the month's 1st day."""
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day.day != 1 or (isinstance(value, dt.datetime) and value.time() != dt.time()):
            raise ValueError(f"expected a month (YYYY-MM), got the date {value:%Y-%m-%d}")
        return day
    if isinstance(value, str):
        match = _MONTH.fullmatch(value.strip())
        if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
            return dt.date(int(match[1]), int(match[2]), 1)
    raise ValueError(f"not a month: {shown_value(value)}; expected YYYY-MM")


def parse_local_time(value: object) -> dt.datetime:
    """'YYYY-MM-DD HH:MM' (seconds optional) or a spreadsheet date-time: a naive local time."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"expected a local time without offset, got {value.isoformat()}")
        # A spreadsheet stores times as fractions of a day: 14:00 may read back as 13:59:59.9999
        try:
            return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        except OverflowError:
            raise ValueError(f"not a valid date-time: {value!r}") from None
    if isinstance(value, str):
        match = _LOCAL_TIME.fullmatch(value.strip())
        if match:
            year, month, day, hour, minute, second = (int(p) for p in match.groups("0"))
            try:
                return dt.datetime(year, month, day, hour, minute, second)
            except ValueError as exc:
                raise ValueError(f"not a valid date-time: {value!r} ({exc})") from None
    raise ValueError(f"not a date-time: {shown_value(value)}; expected YYYY-MM-DD HH:MM (park "
                     "local time)")


def local_to_utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time, refusing times a DST change skips or repeats, and
    times so close to year 1 or 9999 that their instant is outside the calendar."""
    try:
        earlier = local.replace(tzinfo=zone, fold=0)
        later = local.replace(tzinfo=zone, fold=1)
        earlier_utc = earlier.astimezone(dt.UTC)
        exists = earlier_utc.astimezone(zone).replace(tzinfo=None) == local
    except OverflowError:
        raise ValueError(f"{local.isoformat(' ', 'minutes')} in {zone.key} is outside the calendar "
                         "(years 1 to 9999) in UTC") from None
    if earlier.utcoffset() != later.utcoffset():
        shown = f"{local:%Y-%m-%d %H:%M}"
        if not exists:
            raise ValueError(f"{shown} does not exist in {zone.key}: the clocks jump forward "
                             f"over it (daylight saving time starts)")
        raise ValueError(f"{shown} happens twice in {zone.key} (daylight saving time ends), so "
                         f"it does not name one instant; use a time outside the repeated hour")
    return earlier_utc


def half_up(value: float) -> int:
    """Round half away from zero, as people do (Python's round() rounds half to even)."""
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def shown_value(value: object, limit: int = 60) -> str:
    """A cell quoted in a message, shortened: a 10 MB cell must not make a 10 MB message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(str(value))} characters)"
