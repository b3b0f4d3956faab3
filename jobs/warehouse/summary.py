"""What a newcomer should see of the warehouse after a build, read-only, and where to look next."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.common.settings import Settings
from jobs.warehouse.published import connect_published

FIRST_QUERIES = [
    ("energy balance, last day",
     "select interval_start_local, grid_import_kwh, pv_generation_kwh, enterprise_load_kwh, "
     "unexplained_residual_kwh, balance_closes from fct_energy_balance "
     "order by interval_start_utc desc limit 96;"),
    ("energy by flow and day",
     "select local_date, energy_flow, round(sum(energy_kwh), 1) as kwh from fct_interval_energy "
     "group by all order by all;"),
    ("estimated intervals by device",
     "select device_id, count(*) as estimated_intervals from fct_interval_energy "
     "where interval_quality = 'estimated' group by all order by 2 desc;"),
    ("each enterprise's days: electricity, tCO2, self-sufficiency, peak",
     "select entity_id, local_date, round(electricity_kwh) as kwh, "
     "round(scope1_tco2 + scope2_location_tco2, 2) as tco2, round(self_sufficiency_pct, 1) "
     "as pv_pct, round(peak_demand_kw) as peak_kw from fct_enterprise_daily_kpis "
     "order by all;"),
    ("the park's month against the zero-carbon core indicator",
     "select month, round(energy_tce, 1) as tce, core_indicator_tco2_per_tce, "
     "core_indicator_limit_tco2_per_tce, renewable_absorption_pct, clean_energy_share_pct "
     "from fct_park_monthly_kpis;"),
]


@dataclass(frozen=True)
class WarehouseSummary:
    intervals: int
    intervals_closing: int
    intervals_complete: int
    first_interval_utc: str | None
    last_interval_utc: str | None
    flows_kwh: dict[str, float]


def summarise(settings: Settings) -> WarehouseSummary:
    with connect_published(settings) as connection:
        counts = connection.execute(
            "select count(*), count(*) filter (where balance_closes), "
            "count(*) filter (where is_complete), cast(min(interval_start_utc) as varchar), "
            "cast(max(interval_start_utc) as varchar) from fct_energy_balance").fetchone()
        flows = connection.execute(
            "select energy_flow, sum(energy_kwh) from fct_interval_energy "
            "where energy_kwh is not null group by 1 order by 1").fetchall()
    assert counts is not None
    return WarehouseSummary(int(counts[0]), int(counts[1]), int(counts[2]), counts[3], counts[4],
                            {flow: float(kwh) for flow, kwh in flows})
