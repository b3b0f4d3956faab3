"""`park sql`'s output: a query's rows as a table for the terminal, or CSV, Markdown or JSON
for a pipe, never cut short without saying so."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from rich.table import Table


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    MARKDOWN = "markdown"
    JSON = "json"


def cell_text(value: Any) -> str:
    """A value as text, in full: no rounding beyond Python's shortest repr, ISO times."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value == 0.0:
        return "0.0"  # never "-0.0"
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return None if not math.isfinite(value) else (0.0 if value == 0.0 else value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list | tuple | str | int | bool) or value is None:
        return value
    return str(value)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], output: OutputFormat
           ) -> str | Table:
    """The rows in the format asked for (a rich Table for the terminal: cells fold, never cut)."""
    if output is OutputFormat.TABLE:
        table = Table(show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(cell_text(v) for v in row))
        return table
    if output is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell_text(v) for v in row] for row in rows)
        return buffer.getvalue().rstrip("\n")
    if output is OutputFormat.MARKDOWN:
        def escaped(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(escaped(c) for c in columns) + " |",
                 "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(escaped(cell_text(v)) for v in row) + " |" for row in rows]
        return "\n".join(lines)
    return json.dumps([{c: _json_value(v) for c, v in zip(columns, row, strict=True)}
                       for row in rows], ensure_ascii=False, indent=1)


def capped_note(shown: int, more: bool) -> str | None:
    """What to say under the rows when the limit cut them (None when it did not)."""
    if not more:
        return None
    return (f"showing the first {shown:,} rows: the query returned more (--limit N to see "
            f"more, --limit 0 for all)")
