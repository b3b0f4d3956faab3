"""Validate one inbox file as a whole: headers, every row, and the rules between rows.

A file is accepted only when it has no problem at all; otherwise it is rejected whole, so a
half-right file never reaches the warehouse. Every problem is collected (the first
`MAX_PROBLEMS` are kept, all are counted), each naming the file, the spreadsheet row (header =
row 1) and the column as the user wrote it, so the sender can fix everything in one go.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from jobs.common.park_config import ParkConfig
from jobs.inbox.bounds import RowContext
from jobs.inbox.cells import shown_value
from jobs.inbox.coupling_rows import COUPLING_ROW_MODELS  # circular couplings (issue 18)
from jobs.inbox.reader import RawTable, RefusedCell, UnreadableFile, column_letter, read_table
from jobs.inbox.rows import ROW_MODELS, InboxRow, serial_span
from jobs.inbox.rows_guiding import GUIDING_ROW_MODELS  # guiding indicators (issue 15)
from jobs.inbox.schemas import DATASETS, InboxKind

# --- guiding indicators (issue 15, helper guiding): begin ---
ROW_MODELS = {**ROW_MODELS, **GUIDING_ROW_MODELS, **COUPLING_ROW_MODELS}
# --- guiding indicators: end ---

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """One reason to reject a file; `row` and `column` are None for whole-file problems."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        placed = self.row is not None or self.column is not None
        return f"{self.file}{', ' if placed else ': '}{self.located()}"

    def located(self) -> str:
        """The problem without the file name, for a listing that already shows the file."""
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class _Problems:
    file: str
    kept: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(self.file, row, column, message))


@dataclass(frozen=True)
class ValidatedFile:
    """The outcome for one file. `records` are landing rows (with `source_row`), accepted only."""

    file: str
    kind: InboxKind | None
    data_rows: int
    records: list[dict[str, Any]]
    problems: list[Problem]
    problem_count: int

    @property
    def accepted(self) -> bool:
        return self.problem_count == 0


def row_context(park: ParkConfig, now_utc: dt.datetime) -> RowContext:
    """What the rules know about the park; "future" is judged by the park's calendar."""
    zone = ZoneInfo(park.park.timezone)
    return RowContext(enterprise_ids=frozenset(e.id for e in park.enterprises),
                      today_local=now_utc.astimezone(zone).date(), zone=zone)


def kind_from_name(name: str) -> InboxKind | None:
    """`green_power_2025-06.xlsx` -> green_power: the name starts with the kind."""
    stem = name.rsplit(".", 1)[0].lower()
    for kind in InboxKind:
        if stem == kind.value or re.match(rf"{kind.value}[_\-. ]", stem):
            return kind
    return None


def validate_file(name: str, content: bytes, context: RowContext,
                  kind: InboxKind | None = None) -> ValidatedFile:
    """Check one file's bytes; the kind comes from the name unless given. Never raises for
    bad content: every problem is returned, so the caller can reject the file whole."""
    problems = _Problems(name)
    kind = kind or kind_from_name(name)
    if kind is None:
        problems.add(None, None, "cannot tell the kind of file from its name; start the name "
                     f"with one of {', '.join(k.value + '_' for k in InboxKind)}")
        return _outcome(name, None, 0, [], problems)
    try:
        table = read_table(name, content)
    except UnreadableFile as exc:
        problems.add(exc.row, None, exc.message)
        return _outcome(name, kind, 0, [], problems)
    records = _validate_table(table, kind, context, problems)
    return _outcome(name, kind, len(table.rows), records, problems)


def _outcome(name: str, kind: InboxKind | None, data_rows: int, records: list[dict[str, Any]],
             problems: _Problems) -> ValidatedFile:
    return ValidatedFile(file=name, kind=kind, data_rows=data_rows,
                         records=records if problems.count == 0 else [],
                         problems=sorted(problems.kept, key=lambda p: p.row or 0),
                         problem_count=problems.count)


def normalise_header(text: str) -> str:
    """Full-width brackets, case and spaces do not matter: `产值 （万元）` == `产值(万元)`; nor do
    invisible format characters (a second BOM from a file saved twice, zero-width spaces)."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", visible)).lower()


def _accepted_headers(model: type[InboxRow], name: str) -> list[str]:
    return [name, *model.aliases.get(name, ())]


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    field: str

    @property
    def label(self) -> str:
        english = "" if normalise_header(self.header) == self.field else f" ({self.field})"
        return f'{column_letter(self.index)} "{self.header}"{english}'


def _match_headers(table: RawTable, model: type[InboxRow],
                   problems: _Problems) -> dict[str, _Column]:
    lookup = {normalise_header(header): name
              for name in model.model_fields for header in _accepted_headers(model, name)}
    columns: dict[str, _Column] = {}
    row = table.header_row
    for index, header in enumerate(table.headers):
        if header is None:
            _values_without_header(table, index, problems)
            continue
        name = lookup.get(normalise_header(header))
        column = f'{column_letter(index)} "{header}"'
        if name is None:
            expected = ", ".join(h for n in model.model_fields
                                 for h in _accepted_headers(model, n))
            problems.add(row, column, f"unknown column; expected: {expected}")
        elif name in columns:
            problems.add(row, column, f"a second {name} column (the first is "
                         f"{columns[name].label})")
        else:
            columns[name] = _Column(index, header, name)
    for name, info in model.model_fields.items():
        if info.is_required() and name not in columns:
            problems.add(row, name, "missing required column; headers accepted: "
                         f"{', '.join(_accepted_headers(model, name))}")
    return columns


def _tables_on_other_sheets(table: RawTable, model: type[InboxRow],
                            problems: _Problems) -> None:
    """Only the first sheet is read: rows of the same table on another sheet would be lost."""
    accepted = {normalise_header(header) for name in model.model_fields
                for header in _accepted_headers(model, name)}
    for title, texts in table.other_sheets:
        if sum(normalise_header(text) in accepted for text in texts) >= 2:
            problems.add(None, None, f"the sheet {title!r} holds more rows of this kind, but "
                         "only the first sheet is read: put all rows on the first sheet, or "
                         "send one file per sheet")


def _values_without_header(table: RawTable, index: int, problems: _Problems) -> None:
    for number, cells in table.rows:
        if cells[index] is not None:
            cell = cells[index]
            shown = cell.shown if isinstance(cell, RefusedCell) else shown_value(cell)
            problems.add(number, column_letter(index), f"a value ({shown}) in a column without "
                         "a header")
            return


@dataclass(frozen=True)
class _Row:
    number: int
    values: dict[str, Any]  # every field that parsed, and the defaults of empty optional ones
    model: InboxRow | None  # only for a row without any problem


@functools.cache
def _field_adapters(model: type[InboxRow]) -> dict[str, TypeAdapter[Any]]:
    return {name: TypeAdapter(info.rebuild_annotation())
            for name, info in model.model_fields.items()}


def _validate_table(table: RawTable, kind: InboxKind, context: RowContext,
                    problems: _Problems) -> list[dict[str, Any]]:
    if not table.headers:
        problems.add(None, None, "the file is empty")
        return []
    if not table.rows:
        problems.add(None, None, "the file has a header but no data rows")
        return []
    model = ROW_MODELS[kind]
    columns = _match_headers(table, model, problems)
    _tables_on_other_sheets(table, model, problems)
    rows = [_validate_row(number, cells, model, columns, context, problems)
            for number, cells in table.rows]
    _duplicate_keys(kind, rows, columns, problems)
    if kind is InboxKind.CERTIFICATES:
        _overlapping_serials(rows, columns, problems)
    return [{**row.model.record(context), "source_row": row.number}
            for row in rows if row.model is not None]


def _validate_row(number: int, cells: list[object], model: type[InboxRow],
                  columns: dict[str, _Column], context: RowContext,
                  problems: _Problems) -> _Row:
    """Parse cell by cell, so one wrong cell does not hide the problems of the others."""
    values: dict[str, Any] = {}
    before = problems.count
    for name, info in model.model_fields.items():
        column = columns.get(name)
        cell = None if column is None else cells[column.index]
        if isinstance(cell, RefusedCell):
            problems.add(number, column.label if column else name, cell.reason)
            continue
        if cell is None:
            if not info.is_required():
                values[name] = info.get_default()
            elif column is not None:  # a missing column is reported once, on the header
                problems.add(number, column.label, "empty cell; a value is required")
            continue
        assert column is not None
        try:
            values[name] = _field_adapters(model)[name].validate_python(cell, context=context)
        except ValidationError as exc:
            for message in dict.fromkeys(_message(error) for error in exc.errors()):
                problems.add(number, column.label, message)
    for name, message in model.cross_field_problems(values, context):
        problems.add(number, columns[name].label if name in columns else name, message)
    if problems.count > before or len(values) < len(model.model_fields):
        return _Row(number, values, None)
    raw = {name: cells[column.index] for name, column in columns.items()
           if cells[column.index] is not None}
    return _Row(number, values, model.model_validate(raw, context=context))


def _message(error: Any) -> str:
    if error["type"] == "missing":
        return "empty cell; a value is required"
    return str(error["msg"]).removeprefix("Value error, ")


def _show(name: str, value: object) -> str:
    if name == "month" and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)


def _duplicate_keys(kind: InboxKind, rows: list[_Row], columns: dict[str, _Column],
                    problems: _Problems) -> None:
    key_names = DATASETS[kind].natural_key
    seen: dict[tuple[object, ...], int] = {}
    for row in rows:
        if not all(name in row.values for name in key_names):
            continue  # a key cell is wrong, and reported as such
        key = tuple(row.values[name] for name in key_names)
        if key in seen:
            shown = ", ".join(f"{name}={_show(name, row.values[name])}" for name in key_names)
            labels = ", ".join(columns[name].label for name in key_names if name in columns)
            problems.add(row.number, labels, f"duplicate key ({shown}): already on row "
                         f"{seen[key]}")
        else:
            seen[key] = row.number


def _overlapping_serials(rows: list[_Row], columns: dict[str, _Column],
                         problems: _Problems) -> None:
    """Two rows retiring overlapping serial ranges would count the same MWh twice."""
    spans = []
    for row in rows:
        values = row.values
        if "serial_from" in values and "serial_to" in values:
            span = serial_span(values["serial_from"], values["serial_to"])
            if span is not None and span[1] <= span[2]:
                prefix, first, last = span
                spans.append(((values.get("certificate_type"), prefix), first, last, row.number))
    spans.sort(key=lambda span: (str(span[0]), span[1], span[3]))
    label = columns["serial_from"].label if "serial_from" in columns else "serial_from"
    reach: tuple[object, int, int] | None = None  # (group, last serial so far, its row)
    for group, first, last, number in spans:
        if reach is not None and reach[0] == group and first <= reach[1]:
            problems.add(number, label, f"serials overlap those retired on row {reach[2]}; "
                         "a certificate can be retired only once")
        if reach is None or reach[0] != group or last > reach[1]:
            reach = (group, last, number)
