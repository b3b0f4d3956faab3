"""Typed row models for the five inbox kinds: how one spreadsheet row is parsed and checked.

Cells arrive as text (CSV) or as spreadsheet values (XLSX: numbers, dates, text), so every field
parses both and raises a message a spreadsheet user can act on. Rules that need the park (known
enterprises, today's date, the time zone) read it from the validation context (`RowContext`),
so each problem is reported against its own cell together with every other problem of the row.
Rules between fields of one row live in `cross_field_problems` and see every field that parsed;
rules between rows (duplicate keys, overlapping serials) live in `validate.py`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo

from jobs.inbox.schemas import InboxKind

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_LOCAL_TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_SERIAL = re.compile(r"(.*?)(\d+)")
CERTIFICATE_TYPES = ("GEC", "I-REC")
MAX_DR_DURATION = dt.timedelta(hours=24)


@dataclass(frozen=True)
class RowContext:
    """What the rules need to know about the park and the moment of loading."""

    enterprise_ids: frozenset[str]
    today_local: dt.date  # today in the park's zone: months after this one are in the future
    zone: ZoneInfo


def _context(info: ValidationInfo) -> RowContext:
    if not isinstance(info.context, RowContext):
        raise TypeError("inbox rows are validated with a RowContext (model_validate(context=))")
    return info.context


# --- parsing cells -------------------------------------------------------------------------

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
            raise ValueError(f"not a number: {value!r}")
        number = float(text)
    else:
        raise ValueError(f"not a number: {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def parse_whole_number(value: object) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def parse_text(value: object) -> str:
    """Identifiers typed into a spreadsheet may come back as numbers (12345 or 12345.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    raise ValueError(f"expected text, got {value!r}")


def parse_month(value: object) -> dt.date:
    """YYYY-MM (also YYYY/MM, YYYY年MM月) or a spreadsheet date on the 1st: the month's 1st day."""
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day.day != 1 or (isinstance(value, dt.datetime) and value.time() != dt.time()):
            raise ValueError(f"expected a month (YYYY-MM), got the date {value:%Y-%m-%d}")
        return day
    if isinstance(value, str):
        match = _MONTH.fullmatch(value.strip())
        if match and 1 <= int(match[2]) <= 12:
            return dt.date(int(match[1]), int(match[2]), 1)
    raise ValueError(f"not a month: {value!r}; expected YYYY-MM")


def parse_local_time(value: object) -> dt.datetime:
    """'YYYY-MM-DD HH:MM' (seconds optional) or a spreadsheet date-time: a naive local time."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"expected a local time without offset, got {value.isoformat()}")
        # A spreadsheet stores times as fractions of a day: 14:00 may read back as 13:59:59.9999
        return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    if isinstance(value, str):
        match = _LOCAL_TIME.fullmatch(value.strip())
        if match:
            year, month, day, hour, minute, second = (int(p) for p in match.groups("0"))
            try:
                return dt.datetime(year, month, day, hour, minute, second)
            except ValueError as exc:
                raise ValueError(f"not a valid date-time: {value!r} ({exc})") from None
    raise ValueError(f"not a date-time: {value!r}; expected YYYY-MM-DD HH:MM (park local time)")


def local_to_utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time, refusing times a DST change skips or repeats."""
    earlier = local.replace(tzinfo=zone, fold=0)
    later = local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        exists = earlier.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == local
        shown = f"{local:%Y-%m-%d %H:%M}"
        if not exists:
            raise ValueError(f"{shown} does not exist in {zone.key}: the clocks jump forward "
                             f"over it (daylight saving time starts)")
        raise ValueError(f"{shown} happens twice in {zone.key} (daylight saving time ends), so "
                         f"it does not name one instant; use a time outside the repeated hour")
    return earlier.astimezone(dt.UTC)


def half_up(value: float) -> int:
    """Round half away from zero, as people do (Python's round() rounds half to even)."""
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


# --- checks that need no context ---------------------------------------------------------

def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must not be negative (got {value:g})")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be greater than 0 (got {value:g})")
    return value


def _serial(value: str) -> str:
    if not _SERIAL.fullmatch(value):
        raise ValueError(f"a certificate serial number must end in digits, got {value!r}")
    return value


def _certificate_type(value: object) -> str:
    text = parse_text(value).upper().replace("_", "-")
    text = "I-REC" if text == "IREC" else text
    if text not in CERTIFICATE_TYPES:
        raise ValueError(f"unknown certificate type {value!r}; accepted: "
                         f"{', '.join(CERTIFICATE_TYPES)}")
    return text


# --- checks against the park ---------------------------------------------------------------

def _known_enterprise(value: str, info: ValidationInfo) -> str:
    known = _context(info).enterprise_ids
    if value not in known:
        listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        raise ValueError(f"unknown enterprise {value!r}; the park's enterprises are: {listed}")
    return value


def _not_future_month(value: dt.date, info: ValidationInfo) -> dt.date:
    context = _context(info)
    if value > context.today_local.replace(day=1):
        raise ValueError(f"{value:%Y-%m} is in the future (today is {context.today_local} in "
                         f"{context.zone.key})")
    return value


def _plausible_year(value: int, info: ValidationInfo) -> int:
    latest = _context(info).today_local.year + 1
    if not 2000 <= value <= latest:
        raise ValueError(f"compliance year {value} is not between 2000 and {latest}")
    return value


def _exists_locally(value: dt.datetime, info: ValidationInfo) -> dt.datetime:
    local_to_utc(value, _context(info).zone)
    return value


Text = Annotated[str, BeforeValidator(parse_text)]
EnterpriseId = Annotated[str, BeforeValidator(parse_text), AfterValidator(_known_enterprise)]
PastMonth = Annotated[dt.date, BeforeValidator(parse_month), AfterValidator(_not_future_month)]
Amount = Annotated[float, BeforeValidator(parse_number), AfterValidator(_non_negative)]
PositiveAmount = Annotated[float, BeforeValidator(parse_number), AfterValidator(_positive)]
Count = Annotated[int, BeforeValidator(parse_whole_number), AfterValidator(_non_negative)]
PositiveCount = Annotated[int, BeforeValidator(parse_whole_number), AfterValidator(_positive)]
Year = Annotated[int, BeforeValidator(parse_whole_number), AfterValidator(_plausible_year)]
LocalTime = Annotated[dt.datetime, BeforeValidator(parse_local_time),
                      AfterValidator(_exists_locally)]
Serial = Annotated[str, BeforeValidator(parse_text), AfterValidator(_serial)]
CertificateType = Annotated[str, BeforeValidator(_certificate_type)]
# Optional columns: an empty cell never reaches validation (the default applies), so the
# validators sit outside the union and see only real values.
OptionalText = Annotated[str | None, BeforeValidator(parse_text)]
OptionalEnterpriseId = Annotated[str | None, BeforeValidator(parse_text),
                                 AfterValidator(_known_enterprise)]
OptionalCount = Annotated[int | None, BeforeValidator(parse_whole_number),
                          AfterValidator(_non_negative)]
OptionalLocalTime = Annotated[dt.datetime | None, BeforeValidator(parse_local_time),
                              AfterValidator(_exists_locally)]

_ENTERPRISE = ("企业编号", "企业ID", "企业代码")


class InboxRow(BaseModel):
    """One accepted row. Field order is the column order of the sample files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Chinese (or other) headers accepted besides the field name, per field.
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        """(field, message) for rules between fields of one row. `values` holds the fields that
        parsed, so these rules are checked (and reported) even when another cell is wrong."""
        return []

    def record(self, context: RowContext) -> dict[str, Any]:
        """The row as landing columns (see schemas.py), without the provenance columns."""
        return self.model_dump()


class OutputValueRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": _ENTERPRISE, "month": ("月份",),
        "output_value_10k_cny": ("工业总产值(万元)", "产值(万元)"), "note": ("备注",)}

    enterprise_id: EnterpriseId
    month: PastMonth
    output_value_10k_cny: Amount
    note: OptionalText = None


class GreenPowerRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": _ENTERPRISE, "month": ("月份",), "contract_id": ("合同编号",),
        "green_power_mwh": ("绿电交易电量(MWh)", "绿电电量(MWh)"),
        "certificates_bundled": ("绿证数量", "绿证数量(张)")}

    enterprise_id: EnterpriseId
    month: PastMonth
    contract_id: Text
    green_power_mwh: Amount
    certificates_bundled: OptionalCount = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        mwh, bundled = values.get("green_power_mwh"), values.get("certificates_bundled")
        if mwh is None or bundled is None or bundled == half_up(mwh):
            return []
        return [("certificates_bundled", f"{bundled} certificates bundled, but {mwh:g} MWh "
                                         f"rounds to {half_up(mwh)} (1 certificate = 1 MWh)")]


def serial_span(serial_from: str, serial_to: str) -> tuple[str, int, int] | None:
    """(prefix, first, last) of a serial range, None when the two do not share their prefix."""
    start, end = _SERIAL.fullmatch(serial_from), _SERIAL.fullmatch(serial_to)
    if start is None or end is None or start[1] != end[1]:
        return None
    return start[1], int(start[2]), int(end[2])


class CertificatesRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": _ENTERPRISE, "month": ("注销月份", "月份"),
        "certificates_retired": ("注销绿证数量(张)", "注销绿证数量", "注销数量(张)"),
        "serial_from": ("起始编号",), "serial_to": ("结束编号",),
        "certificate_type": ("证书类型", "绿证类型")}

    enterprise_id: EnterpriseId
    month: PastMonth
    certificates_retired: PositiveCount
    serial_from: Serial
    serial_to: Serial
    certificate_type: CertificateType = "GEC"

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        serial_from, serial_to = values.get("serial_from"), values.get("serial_to")
        if serial_from is None or serial_to is None:
            return []
        span = serial_span(serial_from, serial_to)
        if span is None:
            return [("serial_to", f"serial numbers {serial_from!r} and {serial_to!r} do not "
                                  "share their prefix")]
        _, first, last = span
        if last < first:
            return [("serial_to", f"ends before it starts: {serial_to} < {serial_from}")]
        count = values.get("certificates_retired")
        if count is not None and last - first + 1 != count:
            return [("certificates_retired", f"{count} certificates, but serials "
                                             f"{serial_from}..{serial_to} cover "
                                             f"{last - first + 1}")]
        return []

    def record(self, context: RowContext) -> dict[str, Any]:
        return {**self.model_dump(), "retired_mwh": float(self.certificates_retired)}


class AllowancesRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": _ENTERPRISE, "compliance_year": ("履约年度",),
        "allowances_allocated_tco2": ("配额分配量(tCO2)", "分配配额(tCO2)"),
        "allowances_purchased_tco2": ("配额购入量(tCO2)", "购入配额(tCO2)"),
        "allowances_sold_tco2": ("配额出售量(tCO2)", "出售配额(tCO2)")}

    enterprise_id: EnterpriseId
    compliance_year: Year
    allowances_allocated_tco2: Amount
    allowances_purchased_tco2: Amount = 0.0
    allowances_sold_tco2: Amount = 0.0


class DrEventRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("事件编号",), "start_local": ("开始时间",), "end_local": ("结束时间",),
        "requested_reduction_kw": ("需求削减量(kW)", "削减量(kW)"),
        "compensation_cny_per_kwh": ("补偿单价(元/kWh)",), "enterprise_id": _ENTERPRISE,
        "notice_issued_local": ("通知时间", "通知发布时间")}

    event_id: Text
    start_local: LocalTime
    end_local: LocalTime
    requested_reduction_kw: PositiveAmount
    compensation_cny_per_kwh: Amount
    enterprise_id: OptionalEnterpriseId = None  # None: the whole park
    notice_issued_local: OptionalLocalTime = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        utc = {name: local_to_utc(values[name], context.zone)
               for name in ("start_local", "end_local", "notice_issued_local")
               if values.get(name) is not None}
        problems = []
        start, end = utc.get("start_local"), utc.get("end_local")
        if start is not None and end is not None:
            if end <= start:
                shown = {name: f"{values[name]:%Y-%m-%d %H:%M}" for name in utc}
                problems.append(("end_local", f"the event ends ({shown['end_local']}) before "
                                              f"or when it starts ({shown['start_local']})"))
            elif end - start > MAX_DR_DURATION:
                hours = (end - start).total_seconds() / 3600
                problems.append(("end_local", f"the event lasts {hours:g} h; a demand-response "
                                              "event lasts at most 24 h"))
        notice = utc.get("notice_issued_local")
        if notice is not None and start is not None and notice > start:
            problems.append(("notice_issued_local", "the notice is issued after the event "
                                                    "starts"))
        return problems

    def record(self, context: RowContext) -> dict[str, Any]:
        notice = self.notice_issued_local
        return {
            "event_id": self.event_id,
            "start_utc": local_to_utc(self.start_local, context.zone),
            "end_utc": local_to_utc(self.end_local, context.zone),
            "requested_reduction_kw": self.requested_reduction_kw,
            "compensation_cny_per_kwh": self.compensation_cny_per_kwh,
            "enterprise_id": self.enterprise_id,
            "notice_issued_utc": None if notice is None else local_to_utc(notice, context.zone),
        }


ROW_MODELS: dict[InboxKind, type[InboxRow]] = {
    InboxKind.OUTPUT_VALUE: OutputValueRow,
    InboxKind.GREEN_POWER: GreenPowerRow,
    InboxKind.CERTIFICATES: CertificatesRow,
    InboxKind.ALLOWANCES: AllowancesRow,
    InboxKind.DR_EVENTS: DrEventRow,
}
