"""One enterprise's last 12 months with data, as its plan (一企一策) needs them: its own meters'
intervals priced at the tariff, its carbon account, output value, declared waste heat and its
products against grade 2. Metered figures are annualised by the quarter-hours measured,
monthly inbox figures by the months reported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.settings import Settings
from jobs.dispatch.tariff import interval_prices
from jobs.warehouse.published import connect_published

QUARTER_HOURS_PER_YEAR = 365 * 96
DAYTIME_HOURS = range(8, 17)  # when rooftop PV covers load: 08:00-17:00 local
PEAK_PERIODS = ("peak", "critical_peak")
VALLEY_PERIODS = ("valley", "deep_valley")


class NoEnterpriseDataError(RuntimeError):
    """The warehouse has no metered intervals for the enterprise."""


@dataclass(frozen=True)
class EnterpriseYear:
    enterprise_id: str
    first_day: dt.date
    last_day: dt.date
    coverage_pct: float
    grid_kwh: float  # a year, grid and battery supply allocated to it
    daytime_grid_kwh: float
    hvac_peak_kwh: float  # its HVAC energy in peak and critical-peak hours, a year
    hvac_peak_mean_kw: float
    daytime_price_cny_per_kwh: float  # its daytime grid kWh at the tariff, mean
    peak_price_cny_per_kwh: float
    valley_price_cny_per_kwh: float
    energy_cost_cny: float  # its grid kWh at the tariff, a year
    emissions_market_tco2: float  # Scope 1 + market-based Scope 2, a year
    emissions_location_tco2: float  # Scope 1 + location-based Scope 2 (the cap's basis)
    market_kgco2_per_kwh: float
    location_kgco2_per_kwh: float
    energy_tce: float
    output_value_10k_cny: float | None
    unrecovered_waste_heat_gj: float  # declared recoverable less recovered, a year
    product_excess_tce: float  # energy above grade 2 of its products, a year


INTERVALS_SQL = """
    select interval_start_utc, consumption_kwh, grid_allocated_kwh + storage_allocated_kwh
           as grid_kwh, coalesce(hvac_kwh, 0) as hvac_kwh
    from fct_enterprise_interval_energy
    where entity_id = ? and interval_start_utc > (
        select max(interval_start_utc) - interval 365 day from fct_enterprise_interval_energy)
"""
CARBON_SQL = """
    select sum(scope1_tco2 + scope2_market_tco2), sum(scope1_tco2 + scope2_location_tco2),
           sum(energy_tce), sum(intervals), any_value(market_kgco2_per_kwh),
           any_value(location_kgco2_per_kwh)
    from fct_enterprise_monthly_carbon where entity_id = ? and month >= ?
"""
# The output value with the market-basis emissions of the same months: a month reported for
# only the days metered so far must not be annualised as if it were a whole month.
OUTPUT_SQL = """
    select sum(k.output_value_10k_cny), count(k.output_value_10k_cny),
           sum(c.scope1_tco2 + c.scope2_market_tco2)
               filter (where k.output_value_10k_cny is not null)
    from fct_enterprise_monthly_kpis k
    left join fct_enterprise_monthly_carbon c on c.entity_id = k.entity_id and c.month = k.month
    where k.entity_id = ? and k.month >= ?
"""
WASTE_HEAT_SQL = """
    select sum(greatest(recoverable_gj - recovered_gj, 0)), count(distinct month)
    from fct_guiding_waste_heat_by_kind where enterprise_id = ? and month >= ?
"""
PRODUCT_SQL = """
    select sum(greatest(product_energy_tce - grade2_limit_kgce_per_unit * output_quantity
                        / 1000.0, 0)), count(distinct period_start)
    from fct_guiding_unit_product_energy
    where period_kind = 'month' and enterprise_id = ? and period_start >= ?
        and limit_output_unit = output_unit
"""


def output_per_year(emissions_year_tco2: float, output_10k_cny: float | None,
                    output_months: int, emissions_in_output_months_tco2: float | None
                    ) -> float | None:
    """The year's output value on the same basis as the year's emissions: the emissions over
    the intensity of the months with a reported output value. Without emissions in those
    months, the months' output scaled to twelve."""
    if not output_months or output_10k_cny is None:
        return None
    if emissions_in_output_months_tco2 and emissions_in_output_months_tco2 > 0 \
            and emissions_year_tco2 > 0:
        intensity = emissions_in_output_months_tco2 / float(output_10k_cny)
        return emissions_year_tco2 / intensity
    return _per_year(output_10k_cny, output_months)


def _per_year(total: float | None, months: int) -> float:
    return 0.0 if not total or not months else float(total) * 12.0 / months


def _weighted(price: pd.Series, weight: pd.Series) -> float:
    return float((price * weight).sum() / weight.sum()) if weight.sum() > 0 else float(
        price.mean())


def _aggregate_row(connection: Any, sql: str, parameters: list[Any]) -> tuple[Any, ...]:
    """An aggregate query answers one row even over no rows (its sums are NULL then)."""
    row = connection.execute(sql, parameters).fetchone()
    if row is None:
        raise RuntimeError(f"an aggregate query answered no row: {sql.split()[:4]}")
    return tuple(row)


def enterprise_year(settings: Settings, enterprise_id: str) -> EnterpriseYear:
    zone = settings.park.park.timezone
    with connect_published(settings) as connection:
        intervals = to_frame(connection.execute(INTERVALS_SQL, [enterprise_id]))
        if intervals.empty:
            raise NoEnterpriseDataError(f"no metered intervals for {enterprise_id!r} in the "
                                        "warehouse: harvest and `park build` first")
        starts = pd.DatetimeIndex(pd.to_datetime(intervals["interval_start_utc"], utc=True))
        first_month = starts.min().tz_convert(zone).date().replace(day=1)
        carbon = _aggregate_row(connection, CARBON_SQL, [enterprise_id, first_month])
        output = _aggregate_row(connection, OUTPUT_SQL, [enterprise_id, first_month])
        heat = _aggregate_row(connection, WASTE_HEAT_SQL, [enterprise_id, first_month])
        product = _aggregate_row(connection, PRODUCT_SQL, [enterprise_id, first_month])
    prices = interval_prices(settings.park.tariffs, starts, zone)
    frame = intervals.set_index(starts).join(prices[["tou_period", "import_price_cny_per_kwh"]])
    scale = QUARTER_HOURS_PER_YEAR / len(frame)
    local_hours = frame.index.tz_convert(zone).hour
    daytime = frame[local_hours.isin(DAYTIME_HOURS)]
    peak = frame[frame["tou_period"].isin(PEAK_PERIODS)]
    valley = frame[frame["tou_period"].isin(VALLEY_PERIODS)]
    price = frame["import_price_cny_per_kwh"]
    metered_scale = QUARTER_HOURS_PER_YEAR / float(carbon[3]) if carbon and carbon[3] else scale
    return EnterpriseYear(
        enterprise_id=enterprise_id, first_day=starts.min().tz_convert(zone).date(),
        last_day=starts.max().tz_convert(zone).date(),
        coverage_pct=100.0 * len(frame) / QUARTER_HOURS_PER_YEAR,
        grid_kwh=float(frame["grid_kwh"].sum()) * scale,
        daytime_grid_kwh=float(daytime["grid_kwh"].sum()) * scale,
        hvac_peak_kwh=float(peak["hvac_kwh"].sum()) * scale,
        hvac_peak_mean_kw=float(peak["hvac_kwh"].mean() * 4) if len(peak) else 0.0,
        daytime_price_cny_per_kwh=_weighted(daytime["import_price_cny_per_kwh"],
                                            daytime["grid_kwh"]),
        peak_price_cny_per_kwh=float(peak["import_price_cny_per_kwh"].mean())
        if len(peak) else float(price.max()),
        valley_price_cny_per_kwh=float(valley["import_price_cny_per_kwh"].mean())
        if len(valley) else float(price.min()),
        energy_cost_cny=float((frame["grid_kwh"] * price).sum()) * scale,
        emissions_market_tco2=float(carbon[0] or 0.0) * metered_scale,
        emissions_location_tco2=float(carbon[1] or 0.0) * metered_scale,
        market_kgco2_per_kwh=float(carbon[4] or 0.0),
        location_kgco2_per_kwh=float(carbon[5] or 0.0),
        energy_tce=float(carbon[2] or 0.0) * metered_scale,
        output_value_10k_cny=output_per_year(float(carbon[0] or 0.0) * metered_scale,
                                             output[0], int(output[1] or 0), output[2]),
        unrecovered_waste_heat_gj=_per_year(heat[0], int(heat[1] or 0)),
        product_excess_tce=_per_year(product[0], int(product[1] or 0)))
