"""Row models of the circular-coupling inbox kinds (产业循环图谱, issue 18):

- `coupling_flows`: what actually flowed in a month from one enterprise to another, or across
  the park boundary (`outside`): heat (GJ), water (m³), solid waste (t, by kind) and organic
  waste sent to biogas (t). Every row states its unit, which must be its carrier's, so that a
  file in MJ or litres is refused rather than read 1,000 times too large.
- `coupling_offers`: what an enterprise has to give (an output: waste heat at a temperature, a
  waste stream) or needs (heat at a temperature, water, a material), per year; the park's
  suggested couplings match the two (jobs/couplings/suggest.py).

Same rules as rows.py: every cell parses text or spreadsheet values, every problem names its
cell, non-finite numbers never pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator

from jobs.common.coupling_settings import CARRIER_UNITS
from jobs.inbox.bounds import RowContext, at_most, known_enterprise, non_negative, positive
from jobs.inbox.cells import parse_number, parse_text
from jobs.inbox.rows import _ENTERPRISE as ENTERPRISE_HEADERS
from jobs.inbox.rows import EnterpriseId, InboxRow, OptionalText, PastMonth
from jobs.inbox.schemas import InboxKind

# The park boundary: a flow from or to someone who is not one of the park's enterprises.
OUTSIDE = "outside"
_OUTSIDE_SPELLINGS = {"outside", "external", "园区外", "园外", "外部"}
# the spellings accepted for each carrier and unit (CARRIER_UNITS: each carrier's unit)
_CARRIERS = {"heat": "heat", "热": "heat", "热量": "heat", "water": "water", "水": "water",
             "solid_waste": "solid_waste", "固废": "solid_waste", "固体废物": "solid_waste",
             "organic_waste": "organic_waste", "有机废物": "organic_waste",
             "有机废弃物": "organic_waste"}
_UNITS = {"gj": "GJ", "m3": "m3", "m³": "m3", "立方米": "m3", "方": "m3", "t": "t", "吨": "t"}
# Heat kinds: recovered waste energy (余热/余冷/余压, counted by the waste-heat indicator) or
# heat produced on purpose and sold (供热: on the map, not waste heat).
HEAT_KINDS = {"heat": "heat", "余热": "heat", "cold": "cold", "余冷": "cold",
              "pressure": "pressure", "余压": "pressure", "supply": "supply", "供热": "supply"}
_SIDES = {"output": "output", "产出": "output", "供给": "output", "need": "need",
          "需求": "need"}
# Ceilings per row: a month of one flow, or a year of one offer (twelve months of the flow's).
MAX_FLOW = {"GJ": 10_000_000.0, "m3": 100_000_000.0, "t": 1_000_000.0}
_HINTS = {"GJ": "; is it in MJ instead of GJ?", "m3": "; is it in litres instead of m³?",
          "t": "; is it in kg instead of tonnes?"}
MAX_TEMPERATURE_C = 1_000.0  # flue gas of a glass furnace; beyond is a unit mistake (K, °F)


def _party(value: object, info: Any) -> str:
    text = parse_text(value)
    if text.lower() in _OUTSIDE_SPELLINGS:
        return OUTSIDE
    try:
        return known_enterprise(text, info)
    except ValueError as error:
        raise ValueError(f"{error}, or {OUTSIDE!r} for someone outside the park") from None


def _lookup(table: Mapping[str, str], what: str, accepted: str) -> Any:
    def parse(value: object) -> str:
        text = parse_text(value)
        found = table.get(text.lower()) or table.get(text)
        if found is None:
            raise ValueError(f"unknown {what} {text!r}; accepted: {accepted}")
        return found
    return parse


def _kind(value: object) -> str:
    """The heat kinds' Chinese spellings become the English keys here, before the rules
    between rows: 余热 and heat are one kind (one key), not two."""
    text = parse_text(value)
    return HEAT_KINDS.get(text.lower(), HEAT_KINDS.get(text, text))


Party = Annotated[str, BeforeValidator(parse_text), AfterValidator(_party)]
Kind = Annotated[str, BeforeValidator(_kind)]
Carrier = Annotated[str, BeforeValidator(_lookup(
    _CARRIERS, "carrier", "heat (热量), water (水), solid_waste (固废), organic_waste (有机废物)"))]
Unit = Annotated[str, BeforeValidator(_lookup(_UNITS, "unit", "GJ, m3 (m³), t (吨)"))]
Side = Annotated[str, BeforeValidator(_lookup(_SIDES, "side", "output (产出), need (需求)"))]
Quantity = Annotated[float, BeforeValidator(parse_number), AfterValidator(positive)]
Temperature = Annotated[float | None, BeforeValidator(parse_number),
                        AfterValidator(non_negative),
                        AfterValidator(at_most(MAX_TEMPERATURE_C, "°C",
                                               "; is it in K or °F instead of °C?"))]


def _unit_and_size(values: Mapping[str, Any], quantity: str, per_year: bool
                   ) -> list[tuple[str, str]]:
    """The unit must be the carrier's; the quantity within the bound of that unit."""
    carrier, unit, amount = values.get("carrier"), values.get("unit"), values.get(quantity)
    if carrier is None or unit is None:
        return []
    expected = CARRIER_UNITS[carrier]
    if unit != expected:
        return [("unit", f"{carrier} is declared in {expected}, not {unit}")]
    limit = MAX_FLOW[unit] * (12 if per_year else 1)
    if amount is not None and amount > limit:
        return [(quantity, f"{amount:g} {unit} is more than {limit:g} {unit} plausible in "
                           f"one row{_HINTS[unit]}")]
    return []


def _heat_kind(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    if values.get("carrier") == "heat" and values.get("kind") is not None \
            and values["kind"] not in HEAT_KINDS.values():
        return [("kind", f"unknown kind of heat {values['kind']!r}; accepted: heat (余热), "
                         "cold (余冷), pressure (余压), supply (供热: heat produced to be sold)")]
    return []


class CouplingFlowRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "month": ("月份",), "from_id": ("供方", "来源企业", "来源"),
        "to_id": ("受方", "去向企业", "去向"), "carrier": ("介质", "类别"),
        "kind": ("种类", "品种"), "quantity": ("数量", "量"), "unit": ("单位", "计量单位"),
        "note": ("备注",)}

    month: PastMonth
    from_id: Party
    to_id: Party
    carrier: Carrier
    kind: Kind
    quantity: Quantity
    unit: Unit
    note: OptionalText = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        problems = _unit_and_size(values, "quantity", per_year=False) + _heat_kind(values)
        source, target = values.get("from_id"), values.get("to_id")
        if source is not None and source == target:
            where = "the park boundary" if source == OUTSIDE else f"enterprise {source!r}"
            problems.append(("to_id", f"a flow from {where} to itself; a coupling joins two "
                                      "parties, at least one of them in the park"))
        return problems


class CouplingOfferRow(InboxRow):
    aliases: ClassVar[dict[str, tuple[str, ...]]] = {
        "enterprise_id": ENTERPRISE_HEADERS, "side": ("供需", "产出/需求"),
        "carrier": ("介质", "类别"), "kind": ("种类", "品种"),
        "quantity_per_year": ("年量", "年数量"), "unit": ("单位", "计量单位"),
        "temperature_c": ("温度(°C)", "温度(℃)", "温度"), "note": ("备注",)}

    enterprise_id: EnterpriseId
    side: Side
    carrier: Carrier
    kind: Kind
    quantity_per_year: Quantity
    unit: Unit
    temperature_c: Temperature = None  # heat: the output's temperature, or the need's
    note: OptionalText = None

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any], context: RowContext
                             ) -> list[tuple[str, str]]:
        problems = _unit_and_size(values, "quantity_per_year", per_year=True) \
            + _heat_kind(values)
        if values.get("carrier") == "heat" and "temperature_c" in values \
                and values["temperature_c"] is None:
            problems.append(("temperature_c", "heat needs its temperature: the output's (°C) "
                                              "or the temperature the need must be served at"))
        return problems


COUPLING_ROW_MODELS: dict[InboxKind, type[InboxRow]] = {
    InboxKind.COUPLING_FLOWS: CouplingFlowRow,
    InboxKind.COUPLING_OFFERS: CouplingOfferRow,
}
