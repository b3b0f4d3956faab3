"""Suggested couplings: one enterprise's declared outputs (waste heat at a temperature, a waste
stream, water) matched with another's declared needs (inbox kind coupling_offers), each match
valued: CNY a year at the park's configured prices (config couplings.prices), tCO2 a year at a
sourced factor, and the park's incentive it would earn (config couplings.incentives).

Matching: same carrier and kind (a need for `slag` takes slag); waste heat only when the output
is at least `heat_approach_k` hotter than the need (heat flows downhill through an exchanger),
waste cold when it is that much colder. Pairs are filled in a fixed order (heat: the smallest
temperature surplus first, so hot outputs stay free for hot needs; then by supplier and
receiver), each taking what is left of the output and of the need. An offer is what is still
available or still needed: flows already on the map are declared as flows, not offers.

Factors: heat replaces fossil heat at 0.11 tCO2/GJ, the default of 910号 附件4 for fossil heat
(shared/reference/zero_carbon_park_accounting.md; fuel_emission_factors.csv purchased_heat).
Water and waste have no sourced factor: their tCO2 is None (shown as not assessed), never a
guessed figure. A carrier without a configured price has no saving (None) either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import duckdb

from jobs.common.coupling_settings import CARRIER_UNITS, CouplingSettings, IncentiveRule
from jobs.common.settings import Settings
from jobs.enterprise_plan.measures import HEAT_FOSSIL_TCO2_PER_GJ
from jobs.warehouse.published import connect_published

HEAT_FACTOR_SOURCE = "910号 附件4 default for fossil heat, 0.11 tCO2/GJ"


@dataclass(frozen=True)
class Offer:
    enterprise_id: str
    side: str  # output | need
    carrier: str
    kind: str
    quantity_per_year: float
    unit: str
    temperature_c: float | None = None


@dataclass(frozen=True)
class Suggestion:
    supplier_id: str
    receiver_id: str
    carrier: str
    kind: str  # the output's kind
    need_kind: str
    quantity_per_year: float
    unit: str
    supply_temperature_c: float | None
    need_temperature_c: float | None
    saving_cny_per_year: float | None  # None: no price configured for the carrier
    price_cny_per_unit: float | None
    tco2_per_year: float | None  # None: no sourced factor for the carrier
    factor_source: str | None
    incentive_tco2_per_year: float
    incentive_cny_per_year: float
    incentive_paid_to: str | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def heat_price(settings: Settings) -> float:
    """The coupling price of heat, else the plans' heat price (one figure, one place)."""
    configured = settings.park.couplings.prices.heat_cny_per_gj
    return configured if configured is not None \
        else settings.park.enterprise_plans.heat_price_cny_per_gj


def prices(settings: Settings) -> dict[str, float | None]:
    configured = settings.park.couplings.prices
    return {"heat": heat_price(settings), "water": configured.water_cny_per_m3,
            "solid_waste": configured.solid_waste_cny_per_t,
            "organic_waste": configured.organic_waste_cny_per_t}


def _compatible(output: Offer, need: Offer, approach_k: float) -> float | None:
    """The order key of a possible pair (smaller first), None when the pair cannot work."""
    if output.carrier != need.carrier or output.enterprise_id == need.enterprise_id:
        return None
    if output.carrier == "heat" and output.kind in ("heat", "cold"):
        if output.kind != need.kind or output.temperature_c is None \
                or need.temperature_c is None:
            return None
        # heat flows downhill: waste heat serves a cooler need, waste cold a warmer one
        surplus = output.temperature_c - need.temperature_c
        surplus = surplus if output.kind == "heat" else -surplus
        return surplus if surplus >= approach_k else None
    return 0.0 if output.kind.casefold() == need.kind.casefold() else None


def match(offers: Iterable[Offer], section: CouplingSettings,
          price_per_unit: Mapping[str, float | None]) -> list[Suggestion]:
    """Every suggested coupling, valued (see the module's docstring for the rules)."""
    offers = list(offers)
    outputs = [o for o in offers if o.side == "output"]
    needs = [o for o in offers if o.side == "need"]
    pairs = sorted(((key, output, need) for output in outputs for need in needs
                    if (key := _compatible(output, need, section.heat_approach_k)) is not None),
                   key=lambda p: (p[1].carrier, p[0], p[1].enterprise_id, p[2].enterprise_id,
                                  p[1].kind, p[2].kind))
    left = {id(o): o.quantity_per_year for o in offers}
    rules: dict[str, IncentiveRule] = {str(carrier): rule  # keyed by carrier
                                       for carrier, rule in section.incentives.items()}
    suggestions = []
    for _, output, need in pairs:
        quantity = min(left[id(output)], left[id(need)])
        if quantity <= 0:
            continue
        left[id(output)] -= quantity
        left[id(need)] -= quantity
        suggestions.append(_valued(output, need, quantity, rules.get(output.carrier),
                                   price_per_unit.get(output.carrier)))
    return suggestions


def _valued(output: Offer, need: Offer, quantity: float, rule: IncentiveRule | None,
            price: float | None) -> Suggestion:
    heat = output.carrier == "heat"
    paid_to = None if rule is None else (
        output.enterprise_id if rule.paid_to == "supplier" else need.enterprise_id)
    return Suggestion(
        supplier_id=output.enterprise_id, receiver_id=need.enterprise_id,
        carrier=output.carrier, kind=output.kind, need_kind=need.kind,
        quantity_per_year=quantity, unit=CARRIER_UNITS[output.carrier],
        supply_temperature_c=output.temperature_c, need_temperature_c=need.temperature_c,
        saving_cny_per_year=None if price is None else quantity * price,
        price_cny_per_unit=price,
        tco2_per_year=quantity * HEAT_FOSSIL_TCO2_PER_GJ if heat else None,
        factor_source=HEAT_FACTOR_SOURCE if heat else None,
        incentive_tco2_per_year=0.0 if rule is None else quantity * rule.reward_tco2_per_unit,
        incentive_cny_per_year=0.0 if rule is None else quantity * rule.subsidy_cny_per_unit,
        incentive_paid_to=paid_to)


OFFERS_SQL = """
select enterprise_id, side, carrier, kind, quantity_per_year, unit, temperature_c
from stg_inbox__coupling_offers
order by enterprise_id, side, carrier, kind
"""


def read_offers(connection: duckdb.DuckDBPyConnection) -> list[Offer]:
    rows = connection.execute(OFFERS_SQL).fetchall()
    return [Offer(str(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4]), str(r[5]),
                  None if r[6] is None else float(r[6])) for r in rows]


def suggested_couplings(settings: Settings,
                        connection: duckdb.DuckDBPyConnection | None = None) -> list[Suggestion]:
    """The park's suggested couplings from the published warehouse's declared offers."""
    if connection is None:
        with connect_published(settings) as opened:
            offers = read_offers(opened)
    else:
        offers = read_offers(connection)
    return match(offers, settings.park.couplings, prices(settings))
