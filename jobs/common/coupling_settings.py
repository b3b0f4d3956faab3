"""The park's settings for the circular-coupling map (产业循环图谱, config section `couplings`):

- `meters`: a water meter or a heat store whose readings measure one coupling (from, to,
  carrier, kind). A metered month replaces the declared figure of the same coupling. A device
  already counted by the guiding indicators (guiding_indicators.water_meters or
  waste_heat_tanks) may not measure a coupling too: each cubic metre and GJ is counted once.
- `prices`: what a coupled unit saves its receiver (heat bought, fresh water bought) or its
  supplier (disposal of a waste), CNY per unit; the suggested couplings are valued at them.
  Heat defaults to the plans' heat price (enterprise_plans.heat_price_cny_per_gj); the others
  have no default: a carrier without a price is shown without a saving, never with a guessed one.
- `incentives`: the park's rule per carrier: an allowance reward (tCO2) and/or a subsidy (CNY)
  per unit recovered, paid to the supplier or the receiver (issue 18).
- `heat_approach_k`: how much hotter a heat output must be than a heat need to serve it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from jobs.common.config_types import Identifier, Number, Strict

SourceText = Annotated[str, Field(min_length=3, max_length=300)]
MeteredCarrier = Literal["heat", "water"]
Carrier = Literal["heat", "water", "solid_waste", "organic_waste"]
Party = Annotated[str, Field(min_length=1, max_length=64)]  # an enterprise id or 'outside'
METER_KINDS = {"water": "water_meter", "heat": "thermal_storage"}
# every carrier's unit: a flow, an offer and an incentive of the carrier are in it
CARRIER_UNITS = {"heat": "GJ", "water": "m3", "solid_waste": "t", "organic_waste": "t"}


class CouplingMeter(Strict):
    from_id: Party
    to_id: Party
    carrier: MeteredCarrier
    kind: Annotated[str, Field(min_length=1, max_length=64)]


class CouplingPrices(Strict):
    heat_cny_per_gj: Annotated[Number, Field(gt=0, le=1000)] | None = None  # None: the plans'
    water_cny_per_m3: Annotated[Number, Field(gt=0, le=100)] | None = None
    solid_waste_cny_per_t: Annotated[Number, Field(gt=0, le=10_000)] | None = None
    organic_waste_cny_per_t: Annotated[Number, Field(gt=0, le=10_000)] | None = None
    source: SourceText = "not configured"
    source_zh: SourceText | None = None  # the Chinese cards' (jobs/common/config_text.py)


class IncentiveRule(Strict):
    reward_tco2_per_unit: Annotated[Number, Field(ge=0, le=1)] = 0.0  # per GJ, m3 or t
    subsidy_cny_per_unit: Annotated[Number, Field(ge=0, le=10_000)] = 0.0
    paid_to: Literal["supplier", "receiver"] = "supplier"


class CouplingSettings(Strict):
    meters: dict[Identifier, CouplingMeter] = {}
    prices: CouplingPrices = CouplingPrices()
    incentives: dict[Carrier, IncentiveRule] = {}
    incentive_source: SourceText = "the park's incentive rule"
    incentive_source_zh: SourceText | None = None
    heat_approach_k: Annotated[Number, Field(ge=0, le=200)] = 10.0


def coupling_problems(config: object) -> list[str]:
    """References of the section that do not resolve (called from the park's cross-checks)."""
    section: CouplingSettings = config.couplings  # type: ignore[attr-defined]
    guiding = config.guiding_indicators  # type: ignore[attr-defined]
    devices = {d.id: d for d in config.devices}  # type: ignore[attr-defined]
    parties = {e.id for e in config.enterprises} | {"outside"}  # type: ignore[attr-defined]
    problems = []
    for device_id, meter in section.meters.items():
        where = f"couplings.meters.{device_id}"
        device = devices.get(device_id)
        wanted = METER_KINDS[meter.carrier]
        if device is None:
            problems.append(f"{where}: unknown device {device_id!r}")
        elif device.kind != wanted:
            problems.append(f"{where}: a {meter.carrier} coupling is measured by a {wanted}, "
                            f"and {device_id!r} is a {device.kind}")
        if device_id in guiding.water_meters or device_id in guiding.waste_heat_tanks:
            problems.append(f"{where}: {device_id!r} is already counted by "
                            "guiding_indicators; a meter counts in one place only")
        for side in ("from_id", "to_id"):
            if getattr(meter, side) not in parties:
                problems.append(f"{where}.{side}: unknown enterprise "
                                f"{getattr(meter, side)!r} (or 'outside')")
        if meter.from_id == meter.to_id:
            problems.append(f"{where}: from and to are the same party")
    return problems
