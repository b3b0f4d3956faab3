"""The park as an applicant would join it: its national-method figures over the last 12 months
with data (fct_park_national_periods, rolling_12m), annualised by the quarter-hours measured,
with the factors the warehouse used. The applicant is assessed against these, so that "with"
and "without" are the same calculation."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jobs.common.settings import Settings
from jobs.warehouse.published import connect_published

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


class NoBaselineError(RuntimeError):
    """The warehouse has no national figures to assess an applicant against."""


@dataclass(frozen=True)
class ParkBaseline:
    through_month: dt.date
    coverage_pct: float  # measured quarter-hours of the 12 months' expected ones
    emissions_tco2_per_year: float
    energy_tce_per_year: float
    clean_energy_tce_per_year: float
    fossil_kgco2_per_kwh: float
    electricity_kgce_per_kwh: float
    gas_tco2_per_nm3: float
    gas_kgce_per_nm3: float
    heat_kgce_per_gj: float
    heat_default_tco2_per_gj: float
    fossil_factor_source: str

    @property
    def indicator_tco2_per_tce(self) -> float:
        return self.emissions_tco2_per_year / self.energy_tce_per_year

    @property
    def clean_energy_share_pct(self) -> float:
        return 100.0 * self.clean_energy_tce_per_year / self.energy_tce_per_year


BASELINE_SQL = """
    select periods.period_end_month, periods.emissions_tco2, periods.energy_tce,
           periods.clean_energy_tce, periods.measured_quarter_hours,
           periods.expected_quarter_hours, factors.fossil_kgco2_per_kwh,
           factors.electricity_kgce_per_kwh, factors.gas_tco2_per_nm3, factors.gas_kgce_per_nm3,
           factors.heat_kgce_per_gj, factors.heat_default_tco2_per_gj,
           factors.fossil_factor_source
    from fct_park_national_periods as periods
    inner join fct_park_national_monthly as factors on factors.month = periods.period_end_month
    where periods.period_kind = 'rolling_12m'
    order by periods.period_end_month desc
    limit 1
"""


def park_baseline(settings: Settings) -> ParkBaseline:
    with connect_published(settings) as connection:
        row = connection.execute(BASELINE_SQL).fetchone()
    if row is None or not row[4]:
        raise NoBaselineError("the warehouse has no measured national figures yet: harvest "
                              "and `park build` before assessing an applicant")
    (month, emissions, energy, clean, measured, expected, fossil, electricity_kgce, gas_t,
     gas_kgce, heat_kgce, heat_default, fossil_source) = row
    scale = expected / measured  # the 12 months at the pace of the quarter-hours measured
    return ParkBaseline(
        through_month=month, coverage_pct=100.0 * measured / expected,
        emissions_tco2_per_year=emissions * scale, energy_tce_per_year=energy * scale,
        clean_energy_tce_per_year=clean * scale, fossil_kgco2_per_kwh=fossil,
        electricity_kgce_per_kwh=electricity_kgce, gas_tco2_per_nm3=gas_t,
        gas_kgce_per_nm3=gas_kgce, heat_kgce_per_gj=heat_kgce,
        heat_default_tco2_per_gj=heat_default, fossil_factor_source=fossil_source)


@dataclass(frozen=True)
class Limit:
    tco2_per_tce: float
    set_nationally: bool
    source: str
    source_zh: str | None = None  # the Chinese report's (jobs/common/config_text.py)


def core_limit(settings: Settings, energy_tce_per_year: float) -> Limit:
    """The core indicator's limit for a park of this size: the national band's, or below the
    bands the configured one (as fct_park_national_periods judges it)."""
    with (SEEDS / "zero_carbon_park_indicators.csv").open(encoding="utf-8") as handle:
        bands = [row for row in csv.DictReader(handle) if row["kind"] == "core"]
    for band in bands:
        low = float(band["band_min_tce"])
        high = float(band["band_max_tce"]) if band["band_max_tce"] else float("inf")
        if low <= energy_tce_per_year < high:
            high_text = "" if high == float("inf") else f"{high:,.0f}"
            return Limit(float(band["target"]), True,
                         f"national band {low:,.0f}–{high_text} tce/yr: {band['source']}",
                         f"国家规模档 {low:,.0f}–{high_text} tce/年：{band['source']}")
    targets = settings.park.targets
    if targets.national_limit_below_band_tco2_per_tce is not None:
        return Limit(targets.national_limit_below_band_tco2_per_tce, False,
                     targets.national_limit_source or "park config "
                     "(targets.national_limit_below_band_tco2_per_tce)",
                     targets.national_limit_source_zh or (
                         None if targets.national_limit_source else "园区配置"
                         "（targets.national_limit_below_band_tco2_per_tce）"))
    return Limit(targets.core_indicator_limit_tco2_per_tce, False,
                 targets.national_limit_source or "the park's own target",
                 targets.national_limit_source_zh)


def grade2_limits(settings: Settings) -> dict[str, tuple[float, str, str]]:
    """product_code -> (grade-2 limit in kgce per unit, the unit, source): the park's own
    configured limits first, then the sourced national seed."""
    limits: dict[str, tuple[float, str, str]] = {}
    with (SEEDS / "product_energy_limits.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            limits[row["product_code"]] = (float(row["grade2_limit_kgce_per_unit"]),
                                           row["output_unit"], row["source"])
    for limit in settings.park.guiding_indicators.product_energy_limits:
        limits[limit.product_code] = (limit.grade2_limit_kgce_per_unit, limit.output_unit,
                                      limit.source)
    return limits
