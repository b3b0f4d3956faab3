"""Every figure a valuation rests on, with where it comes from.

Market figures (carbon and certificate prices, the discount rate, PV and storage costs, the
pledge loan-to-value) default to the sourced `market_defaults.csv`, the same file the warehouse
seeds from; the park's `valuation` config overrides any of them by item name. Figures the CSV
does not have (battery O&M and replacement, lives, loan terms) are the config's, marked as
platform defaults until the park states its own. The tariff in force, the main driver of the
savings, is listed too, from the park's config. Reports print every figure the valuation uses,
each once: a market item the park's own figure replaces (social_discount_rate under
discount_rate, say) is not listed twice, and CSV items no valuation uses are left out."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.common.park_config import Tariff, ValuationSettings
from jobs.common.settings import PROJECT_ROOT

MARKET_DEFAULTS_CSV = PROJECT_ROOT / "dbt_project" / "seeds" / "market_defaults.csv"
# the CSV's prices describe 2025 (its notes: "2025 average", "2025 range", tenders of 2025)
MARKET_DEFAULTS_PRICE_DATE = dt.date(2025, 12, 31)
PARK_CONFIG = "park config (valuation)"
PLATFORM_DEFAULT = "platform default, unverified: state the park's own"
# the market items a valuation figure of another name takes its default from
ALIASED = {"discount_rate": "social_discount_rate", "pv_capex": "ci_pv_capex",
           "pv_om": "pv_om_cost", "bess_capex": "bess_system_price_2h"}
# CSV items no valuation figure uses (the warehouse still seeds them)
UNUSED = ("ccer_price", "bess_system_price_4h", "bess_round_trip_efficiency",
          "dr_energy_compensation", "tou_peak_valley_spread_national_2025")


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    source: str
    confidence: str  # high / medium / low, as the CSV grades it; "set" when the park set it


@dataclass(frozen=True)
class Assumptions:
    figures: dict[str, Figure]
    price_date: dt.date

    def value(self, name: str) -> float:
        return self.figures[name].value

    def rate(self) -> float:
        """The real discount rate as a fraction."""
        return self.value("discount_rate") / 100.0


def market_defaults(path: Path = MARKET_DEFAULTS_CSV) -> dict[str, Figure]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["item"]: Figure(row["item"], float(row["value"]), row["unit"], row["source"],
                                    row["confidence"]) for row in csv.DictReader(handle)}


def tariff_figures(tariffs: Sequence[Tariff]) -> dict[str, Figure]:
    """The energy price of each period, the demand charge and the export price of the latest
    tariff version (the one in force for the years ahead)."""
    if not tariffs:
        return {}
    tariff = max(tariffs, key=lambda t: t.valid_from)
    source = f"{PARK_CONFIG.split(' (')[0]}: tariff {tariff.id}, valid from {tariff.valid_from}"
    figures = {f"tariff_{period}": Figure(f"tariff_{period}", price, "CNY/kWh", source, "set")
               for period, price in sorted(tariff.energy_price_cny_per_kwh.items(),
                                           key=lambda item: -item[1])}
    figures["tariff_demand_charge"] = Figure("tariff_demand_charge",
                                             tariff.demand_charge_cny_per_kw_month,
                                             "CNY/kW/month", source, "set")
    figures["tariff_export"] = Figure("tariff_export", tariff.export_price_cny_per_kwh or 0.0,
                                      "CNY/kWh", source, "set")
    return figures


def assumptions_for(settings: ValuationSettings, path: Path = MARKET_DEFAULTS_CSV, *,
                    tariffs: Sequence[Tariff] = ()) -> Assumptions:
    """The valuation's figures: market defaults with the park's overrides on top, and the
    park's tariff."""
    market = market_defaults(path)
    unknown = sorted(set(settings.market) - set(market))
    if unknown:
        raise ValueError(f"valuation.market: unknown item(s) {unknown}; the items of "
                         f"{path.name} are {sorted(market)}")
    figures = dict(market)
    for name, value in settings.market.items():
        figures[name] = Figure(name, value, market[name].unit, PARK_CONFIG, "set")

    def chosen(name: str, configured: float | None, default_item: str, unit: str) -> None:
        if configured is not None:
            figures[name] = Figure(name, configured, unit, PARK_CONFIG, "set")
        else:
            base = figures[default_item]
            figures[name] = Figure(name, base.value, unit, base.source, base.confidence)

    chosen("discount_rate", settings.discount_rate_pct, "social_discount_rate", "%")
    chosen("pv_capex", settings.pv.capex_cny_per_w, "ci_pv_capex", "CNY/W")
    chosen("pv_om", settings.pv.om_cny_per_w_year, "pv_om_cost", "CNY/W/yr")
    chosen("pv_degradation_first_year", settings.pv.degradation_first_year_pct,
           "pv_degradation_first_year", "%")
    chosen("bess_capex", settings.battery.capex_cny_per_wh, "bess_system_price_2h", "CNY/Wh")
    pv, battery = settings.pv, settings.battery
    own = {  # name: (section, field, unit, source when not set in the config)
        "pv_degradation_per_year": (pv, "degradation_pct_per_year", "%/yr",
                                    market["pv_degradation_first_year"].source),
        "pv_life": (pv, "life_years", "years", PLATFORM_DEFAULT),
        "bess_life": (battery, "life_years", "years", PLATFORM_DEFAULT),
        "bess_om": (battery, "om_pct_of_capex_per_year", "% of capex/yr", PLATFORM_DEFAULT),
        "bess_replacement": (battery, "replacement_pct_of_capex", "% of capex",
                             PLATFORM_DEFAULT),
        "bess_capacity_fade": (battery, "capacity_fade_pct_per_year", "%/yr",
                               PLATFORM_DEFAULT),
        "tariff_escalation": (settings, "tariff_escalation_pct_per_year", "%/yr (real)",
                              PLATFORM_DEFAULT),
    }
    for name, (section, field, unit, source) in own.items():
        is_set = field in section.model_fields_set
        figures[name] = Figure(name, float(getattr(section, field)), unit,
                               PARK_CONFIG if is_set else source, "set" if is_set else "low")
    for name in (*ALIASED.values(), *UNUSED):
        if name not in ALIASED and name in figures:
            del figures[name]
    figures = {**tariff_figures(tariffs), **figures}
    return Assumptions(figures, settings.price_date or MARKET_DEFAULTS_PRICE_DATE)
