"""Typed row models for the five inbox kinds: how one spreadsheet row is parsed and checked.

Cells arrive as text (CSV) or as spreadsheet values (XLSX: numbers, dates, text), so every field
parses both and raises a message a spreadsheet user can act on. Rules that need the park (known
enterprises, today's date, the time zone) read it from the validation context (`RowContext`),
so each problem is reported against its own cell together with every other problem of the row.
Rules between fields of one row live in `cross_field_problems` and see every field that parsed;
rules between rows (duplicate keys, overlapping serials) live in `validate.py`. Parsing one cell
is `cells.py`; the plausibility bounds and the checks against the park are `bounds.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from jobs.inbox.bounds import (
    MAX_ALLOWANCES_TCO2,
    MAX_CERTIFICATES,
    MAX_DR_COMPENSATION_CNY_PER_KWH,
    MAX_DR_REDUCTION_KW,
    MAX_GREEN_POWER_MWH,
    MAX_OUTPUT_VALUE_10K_CNY,
    RowContext,
    at_most,
    known_account,
    known_enterprise,
    non_negative,
    past_month,
    plausible_event_time,
    plausible_year,
    positive,
)
from jobs.inbox.cells import (
    half_up,
    local_to_utc,
    parse_local_time,
    parse_month,
    parse_number,
    parse_text,
    parse_whole_number,
)
from jobs.inbox.schemas import InboxKind

_SERIAL = re.compile(r"(.*?)(\d+)")
MAX_SERIAL_DIGITS = 30  # GEC serials carry 15 digits; Python refuses int() past 4300
CERTIFICATE_TYPES = ("GEC", "I-REC")
MAX_DR_DURATION = dt.timedelta(hours=24)


def _serial(value: str) -> str:
    match = _SERIAL.fullmatch(value)
    if not match:
        raise ValueError(f"a certificate serial number must end in digits, got {value!r}")
    if len(match[2]) > MAX_SERIAL_DIGITS:
        raise ValueError(f"a certificate serial number ends in {len(match[2])} digits; at most "
                         f"{MAX_SERIAL_DIGITS} are plausible")
    return value


def _certificate_type(value: object) -> str:
    text = parse_text(value).upper().replace("_", "-")
    text = "I-REC" if text == "IREC" else text
    if text not in CERTIFICATE_TYPES:
        raise ValueError(f"unknown certificate type {value!r}; accepted: "
                         f"{', '.join(CERTIFICATE_TYPES)}")
    return text


_IN_YUAN = "; is it in 元 instead of 万元? (1 万元 = 10,000 元)"
_IN_KWH = "; is it in kWh instead of MWh?"
OutputValue10kCny = Annotated[float, BeforeValidator(parse_number), AfterValidator(non_negative),
                              AfterValidator(at_most(MAX_OUTPUT_VALUE_10K_CNY, "万元", _IN_YUAN))]
GreenPowerMwh = Annotated[float, BeforeValidator(parse_number), AfterValidator(non_negative),
                          AfterValidator(at_most(MAX_GREEN_POWER_MWH, "MWh", _IN_KWH))]
AllowancesTco2 = Annotated[float, BeforeValidator(parse_number), AfterValidator(non_negative),
                           AfterValidator(at_most(MAX_ALLOWANCES_TCO2, "tCO2",
                                                  "; is it in kg instead of tonnes?"))]
ReductionKw = Annotated[float, BeforeValidator(parse_number), AfterValidator(positive),
                        AfterValidator(at_most(MAX_DR_REDUCTION_KW, "kW",
                                               "; is it in W instead of kW?"))]
CompensationCnyPerKwh = Annotated[float, BeforeValidator(parse_number),
                                  AfterValidator(non_negative),
                                  AfterValidator(at_most(MAX_DR_COMPENSATION_CNY_PER_KWH,
                                                         "元/kWh", "; is it per MWh?"))]
CertificatesRetired = Annotated[int, BeforeValidator(parse_whole_number), AfterValidator(positive),
                                AfterValidator(at_most(MAX_CERTIFICATES, "certificates"))]


Text = Annotated[str, BeforeValidator(parse_text)]
EnterpriseId = Annotated[str, BeforeValidator(parse_text), AfterValidator(known_enterprise)]
AccountId = Annotated[str, BeforeValidator(parse_text), AfterValidator(known_account)]
PastMonth = Annotated[dt.date, BeforeValidator(parse_month), AfterValidator(past_month)]
Year = Annotated[int, BeforeValidator(parse_whole_number), AfterValidator(plausible_year)]
LocalTime = Annotated[dt.datetime, BeforeValidator(parse_local_time),
                      AfterValidator(plausible_event_time)]
Serial = Annotated[str, BeforeValidator(parse_text), AfterValidator(_serial)]
CertificateType = Annotated[str, BeforeValidator(_certificate_type)]
# Optional columns: an empty cell never reaches validation (the default applies), so the
# validators sit outside the union and see only real values.
OptionalText = Annotated[str | None, BeforeValidator(parse_text)]
OptionalEnterpriseId = Annotated[str | None, BeforeValidator(parse_text),
                                 AfterValidator(known_enterprise)]
OptionalCertificates = Annotated[int | None, BeforeValidator(parse_whole_number),
                                 AfterValidator(non_negative),
                                 AfterValidator(at_most(MAX_CERTIFICATES, "certificates"))]
OptionalLocalTime = Annotated[dt.datetime | None, BeforeValidator(parse_local_time),
                              AfterValidator(plausible_event_time)]

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
    output_value_10k_cny: OutputValue10kCny
    note: OptionalText = None


class GreenPowerRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": _ENTERPRISE, "month": ("月份",), "contract_id": ("合同编号",),
        "green_power_mwh": ("绿电交易电量(MWh)", "绿电电量(MWh)"),
        "certificates_bundled": ("绿证数量", "绿证数量(张)")}

    enterprise_id: AccountId  # an enterprise, or 'park' for the park's own account
    month: PastMonth
    contract_id: Text
    green_power_mwh: GreenPowerMwh
    certificates_bundled: OptionalCertificates = None

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

    enterprise_id: AccountId  # an enterprise, or 'park' for the park's own account
    month: PastMonth
    certificates_retired: CertificatesRetired
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
    allowances_allocated_tco2: AllowancesTco2
    allowances_purchased_tco2: AllowancesTco2 = 0.0
    allowances_sold_tco2: AllowancesTco2 = 0.0


class DrEventRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "event_id": ("事件编号",), "start_local": ("开始时间",), "end_local": ("结束时间",),
        "requested_reduction_kw": ("需求削减量(kW)", "削减量(kW)"),
        "compensation_cny_per_kwh": ("补偿单价(元/kWh)",), "enterprise_id": _ENTERPRISE,
        "notice_issued_local": ("通知时间", "通知发布时间")}

    event_id: Text
    start_local: LocalTime
    end_local: LocalTime
    requested_reduction_kw: ReductionKw
    compensation_cny_per_kwh: CompensationCnyPerKwh
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
# --- national assessment (core): the row models live in national_rows.py ---
def _national_row_models() -> dict[InboxKind, type[InboxRow]]:
    from jobs.inbox.national_rows import HeatFlowRow, ProcessOutputRow  # imports this module

    return {InboxKind.HEAT_FLOWS: HeatFlowRow, InboxKind.PROCESS_OUTPUT: ProcessOutputRow}


ROW_MODELS.update(_national_row_models())
# --- end national assessment (core) ---
