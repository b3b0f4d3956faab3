"""Row models of the inbox kinds behind the national guiding indicators (指引性指标, 910号 附件3):
product output with its energy (unit product energy), industrial solid waste, water, and waste
heat/cold/pressure. They follow rows.py: every cell parses text or spreadsheet values, the bounds
catch unit mistakes, and the rules between fields are reported on their own cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator

from jobs.inbox.bounds import (
    MAX_PRODUCT_ENERGY_TCE,
    MAX_PRODUCT_OUTPUT,
    MAX_SOLID_WASTE_T,
    MAX_WASTE_HEAT_GJ,
    MAX_WATER_M3,
    RowContext,
    at_most,
    non_negative,
    positive,
)
from jobs.inbox.cells import parse_number, parse_text
from jobs.inbox.rows import _ENTERPRISE as ENTERPRISE_HEADERS
from jobs.inbox.rows import EnterpriseId, InboxRow, PastMonth, Text
from jobs.inbox.schemas import InboxKind

WASTE_HEAT_KINDS = {"heat": "heat", "余热": "heat", "cold": "cold", "余冷": "cold",
                    "pressure": "pressure", "余压": "pressure"}


def _waste_heat_kind(value: object) -> str:
    text = parse_text(value).lower()
    if text not in WASTE_HEAT_KINDS:
        raise ValueError(f"unknown kind {value!r}; accepted: heat (余热), cold (余冷), "
                         "pressure (余压)")
    return WASTE_HEAT_KINDS[text]


def _quantity_checks(limit: float, unit: str, hint: str, *checks: Any) -> tuple[Any, ...]:
    """The validators of a quantity column: parsed as a number, each check, then its ceiling."""
    return (BeforeValidator(parse_number), *(AfterValidator(c) for c in checks),
            AfterValidator(at_most(limit, unit, hint)))


OutputQuantity = Annotated[
    float, *_quantity_checks(MAX_PRODUCT_OUTPUT, "units", "; is the unit right?", positive)]
ProductEnergyTce = Annotated[
    float, *_quantity_checks(MAX_PRODUCT_ENERGY_TCE, "tce", "; is it in kgce instead of tce?",
                             non_negative)]
Tonnes = Annotated[
    float, *_quantity_checks(MAX_SOLID_WASTE_T, "t", "; is it in kg instead of tonnes?",
                             non_negative)]
CubicMetres = Annotated[
    float, *_quantity_checks(MAX_WATER_M3, "m³", "; is it in litres instead of m³?",
                             non_negative)]
Gigajoules = Annotated[
    float, *_quantity_checks(MAX_WASTE_HEAT_GJ, "GJ", "; is it in MJ instead of GJ?",
                             non_negative)]
WasteHeatKind = Annotated[str, BeforeValidator(_waste_heat_kind)]
_MONTH = ("月份",)


def _at_most_field(values: Mapping[str, Any], part: str, whole: str, whole_shown: str,
                   extra: str | None = None) -> list[tuple[str, str]]:
    """`part` may not exceed `whole` (+ `extra`): more recovered than recoverable is a typo."""
    value, ceiling = values.get(part), values.get(whole)
    if value is None or ceiling is None:
        return []
    if extra is not None:
        ceiling += values.get(extra) or 0.0
    if value > ceiling:
        return [(part, f"{value:g} is more than {whole_shown} ({ceiling:g})")]
    return []


class ProductOutputRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": ENTERPRISE_HEADERS, "month": _MONTH,
        "product_code": ("产品代码", "产品编号"), "output_quantity": ("产量", "产品产量"),
        "output_unit": ("产量单位", "计量单位"),
        "product_energy_tce": ("产品综合能耗(tce)", "综合能耗(tce)", "产品能耗(tce)")}

    enterprise_id: EnterpriseId
    month: PastMonth
    product_code: Text
    output_quantity: OutputQuantity
    output_unit: Text
    product_energy_tce: ProductEnergyTce


class SolidWasteRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": ENTERPRISE_HEADERS, "month": _MONTH,
        "waste_kind": ("固废种类", "废物种类", "固体废物种类"),
        "generated_t": ("产生量(t)", "产生量(吨)"),
        "utilised_t": ("综合利用量(t)", "综合利用量(吨)"),
        "utilised_from_stock_t": ("综合利用往年贮存量(t)", "综合利用往年贮存量(吨)")}

    enterprise_id: EnterpriseId
    month: PastMonth
    waste_kind: Text
    generated_t: Tonnes
    utilised_t: Tonnes
    utilised_from_stock_t: Tonnes = 0.0

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        return (_at_most_field(values, "utilised_from_stock_t", "utilised_t",
                               "the utilised total (utilised_t)")
                + _at_most_field(values, "utilised_t", "generated_t",
                                 "generated plus utilised from stock", "utilised_from_stock_t"))


class WaterRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": ENTERPRISE_HEADERS, "month": _MONTH,
        "fresh_intake_m3": ("取水量(m3)", "取水量(m³)", "新鲜水取用量(m3)", "新鲜水取用量(m³)"),
        "reused_m3": ("重复利用水量(m3)", "重复利用水量(m³)")}

    enterprise_id: EnterpriseId
    month: PastMonth
    fresh_intake_m3: CubicMetres
    reused_m3: CubicMetres


class WasteHeatRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": ENTERPRISE_HEADERS, "month": _MONTH,
        "waste_kind": ("类别", "余能类别"),
        "recoverable_gj": ("可回收量(GJ)", "余能资源量(GJ)"),
        "recovered_gj": ("回收利用量(GJ)", "利用量(GJ)")}

    enterprise_id: EnterpriseId
    month: PastMonth
    waste_kind: WasteHeatKind
    recoverable_gj: Gigajoules
    recovered_gj: Gigajoules

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        return _at_most_field(values, "recovered_gj", "recoverable_gj",
                              "the recoverable (recoverable_gj)")


GUIDING_ROW_MODELS: dict[InboxKind, type[InboxRow]] = {
    InboxKind.PRODUCT_OUTPUT: ProductOutputRow,
    InboxKind.SOLID_WASTE: SolidWasteRow,
    InboxKind.WATER: WaterRow,
    InboxKind.WASTE_HEAT: WasteHeatRow,
}
