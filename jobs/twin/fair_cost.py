"""What a comparison of controllers counts besides the bill (docs/intraday.md, "What a
comparison counts"): everything a controller can trade against the bill that the bill does not
see, each at a price fixed before any controller runs, the same for all of them.

- EV energy the cars left without, at the evaluated days' dearest import price (the dearest the
  park could have bought it for), so that holding a car back never looks like a saving;
- comfort: kelvin-hours outside the comfort band while a zone is occupied (the twin's truth),
  at the dispatch model's own price for them (`dispatch.comfort_breach_cny_per_kh`): a
  controller that lets the zones drift pays what its own model says the drift is worth;
- battery wear: each kWh discharged at the model's wear price
  (`dispatch.battery_degradation_cny_per_kwh`), which the plans pay in their objective;
- stored energy left for the next day: each kWh more in the batteries at the end than at the
  start is worth what it would cost to put back at the next day's valley price (bought at that
  price, stored at the batteries' charge efficiency), a kWh less costs as much.
- The heat stores' end state is recorded (`stored` in the summary) but not priced by default:
  a tank refills from waste heat, which costs nothing, and the gas burnt where it did not is on
  the bill already. Priced at the boiler's heat price it would swing the comparison by what
  the tanks happen to hold at midnight (summer, 6 July: no control ends with 1,590 kWh th more
  than it began and burnt no gas; at 0.36 CNY that would be a 572 CNY credit for nothing).

The comparison's cost is the bill plus those, less the stored energy's value gained.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from jobs.common.settings import Settings
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.tariff import interval_prices


@dataclass(frozen=True)
class ComparisonPrices:
    ev_unserved_cny_per_kwh: float = 0.0
    comfort_cny_per_kh: float = 0.0
    battery_wear_cny_per_kwh: float = 0.0  # per kWh discharged
    battery_stored_cny_per_kwh: float = 0.0  # per kWh of stored energy, at the period's end
    heat_stored_cny_per_kwh_th: float = 0.0  # 0 by default: see the module's text

    def __post_init__(self) -> None:
        bad = {k: v for k, v in asdict(self).items() if not (math.isfinite(v) and v >= 0)}
        if bad:
            raise ValueError(f"comparison prices {bad}: each must be a finite number >= 0")


def _import_prices(settings: Settings, first_day: dt.date, days: int) -> pd.Series:
    index = pd.date_range(local_day_intervals(first_day, settings.park.park.timezone)[0],
                          periods=96 * days, freq="15min")
    return interval_prices(settings.park.tariffs, index, settings.park.park.timezone)[
        "import_price_cny_per_kwh"]


def comparison_prices(settings: Settings, first_day: dt.date, days: int) -> ComparisonPrices:
    """The prices of a comparison over `days` local days from `first_day`, from the park's
    tariff and dispatch settings."""
    park = settings.park
    dispatch = park.dispatch
    next_valley = float(_import_prices(settings, first_day + dt.timedelta(days=days), 1).min())
    capacity = sum(b.capacity_kwh for b in park.assets.batteries)
    charge_efficiency = sum(b.capacity_kwh * b.charge_efficiency
                            for b in park.assets.batteries) / capacity if capacity > 0 else 1.0
    return ComparisonPrices(
        ev_unserved_cny_per_kwh=float(_import_prices(settings, first_day, days).max()),
        comfort_cny_per_kh=float(dispatch.comfort_breach_cny_per_kh),
        battery_wear_cny_per_kwh=float(dispatch.battery_degradation_cny_per_kwh),
        battery_stored_cny_per_kwh=next_valley / charge_efficiency)


def counted_cny(result: dict[str, Any], prices: ComparisonPrices) -> dict[str, float]:
    """One controller's comparison cost and its parts (CNY) from its result (the bill's
    total_cost_cny, ev_unserved_kwh, comfort_violation_kh, battery_throughput_kwh and
    `stored` {start, end: {battery_kwh, heat_kwh_th}}; a part missing counts 0)."""
    stored = result.get("stored") or {}
    start, end = stored.get("start") or {}, stored.get("end") or {}
    gained_kwh = end.get("battery_kwh", 0.0) - start.get("battery_kwh", 0.0)
    gained_kwh_th = end.get("heat_kwh_th", 0.0) - start.get("heat_kwh_th", 0.0)
    parts = {
        "bill_cny": result["total_cost_cny"],
        "ev_unserved_cny": prices.ev_unserved_cny_per_kwh * result.get("ev_unserved_kwh", 0.0),
        "comfort_cny": prices.comfort_cny_per_kh * result.get("comfort_violation_kh", 0.0),
        "battery_wear_cny": prices.battery_wear_cny_per_kwh
        * result.get("battery_throughput_kwh", 0.0),
        "stored_energy_cny": -(prices.battery_stored_cny_per_kwh * gained_kwh
                               + prices.heat_stored_cny_per_kwh_th * gained_kwh_th),
    }
    where = [k for k, v in parts.items() if not math.isfinite(v)]
    if where:
        raise ValueError(f"comparison cost of {result.get('controller', 'a controller')}: "
                         f"{', '.join(where)} not a finite number")
    return {**parts, "compared_cny": sum(parts.values())}


def compared_cost_cny(result: dict[str, Any], prices: ComparisonPrices) -> float:
    return counted_cny(result, prices)["compared_cny"]
