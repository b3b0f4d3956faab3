"""Row models of the national assessment's inbox kinds (heat at the park boundary, products
with industrial-process emissions). Same rules as rows.py: every cell parses text or
spreadsheet values, every problem names its cell, factors come with their source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator

from jobs.inbox.bounds import (
    MAX_HEAT_GJ,
    MAX_HEAT_TCO2_PER_GJ,
    MAX_PROCESS_OUTPUT_T,
    MAX_PROCESS_TCO2_PER_T,
    RowContext,
    at_most,
    non_negative,
    positive,
)
from jobs.inbox.cells import parse_number, parse_text
from jobs.inbox.rows import EnterpriseId, InboxRow, OptionalText, PastMonth, Text

# Spellings a park office uses for the heat's direction and for yes/no.
_DIRECTIONS = {"received": "received", "in": "received", "购入": "received", "输入": "received",
               "外购": "received", "sent": "sent", "out": "sent", "输出": "sent",
               "外供": "sent", "售出": "sent"}
_YES_NO = {"yes": True, "y": True, "true": True, "1": True, "是": True,
           "no": False, "n": False, "false": False, "0": False, "否": False}


def _direction(value: object) -> str:
    text = parse_text(value)
    direction = _DIRECTIONS.get(text.lower())
    if direction is None:
        raise ValueError(f"unknown direction {text!r}; accepted: received (购入) or sent (输出)")
    return direction


def _yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = parse_text(value)
    answer = _YES_NO.get(text.lower())
    if answer is None:
        raise ValueError(f"expected yes or no (是/否), got {text!r}")
    return answer


HeatGj = Annotated[float, BeforeValidator(parse_number), AfterValidator(non_negative),
                   AfterValidator(at_most(MAX_HEAT_GJ, "GJ", "; is it in MJ instead of GJ?"))]
OptionalHeatFactor = Annotated[float | None, BeforeValidator(parse_number),
                               AfterValidator(non_negative),
                               AfterValidator(at_most(MAX_HEAT_TCO2_PER_GJ, "tCO2/GJ",
                                                      "; is it in kgCO2/GJ?"))]
ProcessOutputT = Annotated[float, BeforeValidator(parse_number), AfterValidator(non_negative),
                           AfterValidator(at_most(MAX_PROCESS_OUTPUT_T, "t",
                                                  "; is it in kg instead of tonnes?"))]
ProcessFactor = Annotated[float, BeforeValidator(parse_number), AfterValidator(positive),
                          AfterValidator(at_most(MAX_PROCESS_TCO2_PER_T, "tCO2/t",
                                                 "; is it in kgCO2/t?"))]
Direction = Annotated[str, BeforeValidator(_direction)]
YesNo = Annotated[bool, BeforeValidator(_yes_no)]


class HeatFlowRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "counterparty": ("对方单位", "供热/用热单位"), "month": ("月份",),
        "direction": ("方向", "输入/输出"), "quantity_gj": ("热量(GJ)", "热量"),
        "is_fossil": ("是否化石能源", "化石能源"),
        "factor_tco2_per_gj": ("排放因子(tCO2/GJ)", "实测排放因子(tCO2/GJ)"),
        "factor_source": ("因子来源",)}

    counterparty: Text
    month: PastMonth
    direction: Direction
    quantity_gj: HeatGj
    is_fossil: YesNo = True
    factor_tco2_per_gj: OptionalHeatFactor = None  # None: the default for fossil heat
    factor_source: OptionalText = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        factor, source = values.get("factor_tco2_per_gj"), values.get("factor_source")
        if factor is not None and source is None:
            return [("factor_source", "a measured factor needs its source (a test report, "
                                      "the supplier's verified figure)")]
        if factor is not None and factor > 0 and values.get("is_fossil") is False:
            return [("factor_tco2_per_gj", "non-fossil heat counts as zero; leave the factor "
                                           "empty or mark the heat fossil")]
        if factor is None and source is not None:
            return [("factor_tco2_per_gj", "a factor source without a factor")]
        return []


class ProcessOutputRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": ("企业编号", "企业ID", "企业代码"), "month": ("月份",),
        "product": ("产品", "产品名称"), "output_t": ("产量(t)", "产量(吨)"),
        "factor_tco2_per_t": ("排放因子(tCO2/t)", "过程排放因子(tCO2/t)"),
        "factor_source": ("因子来源",)}

    enterprise_id: EnterpriseId
    month: PastMonth
    product: Text
    output_t: ProcessOutputT
    factor_tco2_per_t: ProcessFactor  # never a default: a factor is data with its source
    factor_source: Text
