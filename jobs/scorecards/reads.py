"""The scorecards' reads from the warehouse (read-only): the monthly rows of every enterprise
and of the park, demand-response events and their planned income, the carbon accounts and
allowances, the month's intervals with their quality against each enterprise's own meters,
and the TOU prices per interval."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.settings import Settings
from jobs.dispatch.tariff import interval_prices
from jobs.scorecards.periods import add_months

# An enterprise's own meters: its feeders and gas meters (its HVAC and other sub-loads are
# inside a feeder's reading, so their gaps do not change its figures).
OWN_METERS_CTE = """
own_meters as (
    select enterprise_id, count(*) as meters
    from dim_devices
    where enterprise_id is not null and device_kind in ('sub_meter', 'gas_meter')
    group by enterprise_id
),

reporting as (
    select enterprise_id, interval_start_utc,
        cast(date_trunc('month', local_date) as date) as month,
        count(distinct device_id) as meters_reporting,
        bool_or(interval_quality = 'estimated') as meter_estimated
    from fct_interval_energy
    where device_kind in ('sub_meter', 'gas_meter') and local_date >= ? and local_date < ?
    group by all
)
"""

# Every enterprise month (the lights' cap reads the carbon account: fct_enterprise_carbon_accounts).
ENTERPRISE_MONTHS_SQL = """
select
    kpis.entity_id, kpis.month, kpis.electricity_kwh, kpis.gas_nm3, kpis.energy_tce,
    kpis.scope1_tco2, kpis.scope2_location_tco2, kpis.scope2_market_tco2, kpis.emissions_tco2,
    kpis.output_value_10k_cny, kpis.carbon_intensity_tco2_per_10k_cny,
    kpis.rank_by_carbon_intensity, kpis.intervals, kpis.scope2_method,
    carbon.renewable_electricity_share_pct, carbon.pv_allocated_kwh
from fct_enterprise_monthly_kpis as kpis
inner join fct_enterprise_monthly_carbon as carbon using (entity_id, month)
where kpis.entity_kind = 'enterprise'
"""

MONTH_INTERVALS_SQL = """
select entity_id, interval_start_utc, interval_start_local, consumption_kwh, pv_allocated_kwh,
    interval_quality
from fct_enterprise_interval_energy
where entity_kind = 'enterprise' and local_date >= ? and local_date < ?
"""

# Each enterprise's own meters per interval of a month: how many reported, whether any rests
# on an estimate (one row without an interval for an enterprise none of whose meters did).
METERS_SQL = f"""
with {OWN_METERS_CTE}

select own_meters.enterprise_id as entity_id, own_meters.meters, reporting.interval_start_utc,
    reporting.meters_reporting, reporting.meter_estimated
from own_meters
left join reporting using (enterprise_id)
"""

# Income of a DR event under the plans in force: the committed reduction (kW) in each planned
# interval of its window x the interval's hours (from the run's own interval spacing; the
# configured length when a run has one interval) x the event's compensation (CNY/kWh).
DR_INCOME_SQL = """
with runs as (
    select run_id, plan_date,
        epoch(max(interval_start_utc) - min(interval_start_utc)) / 3600.0
            / nullif(count(distinct interval_start_utc) - 1, 0) as interval_h
    from fct_dispatch_plan
    group by run_id, plan_date
),

committed as (
    select run_id, plan_date, asset_id as event_id, sum(planned_value) as kw_intervals
    from fct_dispatch_plan
    where asset_kind = 'dr_event' and quantity = 'committed_reduction_kw'
    group by all
)

select committed.event_id,
    sum(committed.kw_intervals * coalesce(runs.interval_h, ?)
        * events.compensation_cny_per_kwh) as income_cny
from committed
inner join runs using (run_id, plan_date)
inner join stg_inbox__dr_events as events using (event_id)
group by committed.event_id
"""

# The park's intervals: present, resting on estimates, and measured but not closing (a flow
# is missing from the balance, typically a consumer's meter down beyond what the warehouse
# bridges: the consumers' sums, and so consumption, tce and emissions, lack it). The card
# counts the last as missing rather than measured.
PARK_QUALITY_SQL = """
select
    count(*) as present,
    count(*) filter (where estimated_flows > 0) as estimated,
    count(*) filter (where estimated_flows = 0 and not balance_closes) as unexplained
from fct_energy_balance
where local_date >= ? and local_date < ?
"""

# The month's Scope 1 + location-based Scope 2 by consumer kind (enterprise, park_common,
# losses_unallocated): what the park's headline emissions sum (fct_park_monthly_kpis sums
# every line of fct_enterprise_monthly_carbon).
EMISSIONS_BY_KIND_SQL = """
select entity_kind, sum(scope1_tco2 + scope2_location_tco2) as tco2
from fct_enterprise_monthly_carbon
where month = ?
group by entity_kind
"""

LAST_DAY_SQL = """
select max(local_date) from fct_energy_balance where local_date >= ? and local_date < ?
"""

DISPATCH_SAVING_SQL = """
with in_force as (
    select distinct plan_date, run_id from fct_dispatch_plan
    where plan_date >= ? and plan_date < ?
),

runs as (
    select run_id, any_value(objective_cny) as objective_cny,
        any_value(baseline_cost_cny) as baseline_cost_cny
    from stg_dispatch__plans
    group by run_id
)

select count(*) as plans, sum(runs.baseline_cost_cny - runs.objective_cny) as saving_cny
from in_force
inner join runs using (run_id)
"""


def value_or_none(value: object) -> float | None:
    """A warehouse value as a float; None for SQL null / NaN (never 0 for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)  # type: ignore[arg-type]  # numpy and Python numbers alike
    return None if math.isnan(number) else number


def as_dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column).dt.date


@dataclass(frozen=True)
class Months:
    """Everything the cards need that is small: monthly rows for all months, DR, accounts."""

    enterprise: pd.DataFrame  # ENTERPRISE_MONTHS_SQL, all months
    park: pd.DataFrame  # fct_park_monthly_kpis, all months
    dr_events: pd.DataFrame  # event_id, enterprise_id (None: park-wide), month (local start)
    dr_income_cny: dict[str, float]  # event_id -> income under the plans in force
    accounts: pd.DataFrame  # fct_enterprise_carbon_accounts up to the card's month
    allowances: pd.DataFrame  # stg_inbox__allowances of the card's year


def read_months(connection: duckdb.DuckDBPyConnection, settings: Settings,
                 month: dt.date) -> Months:
    zone = settings.park.park.timezone
    enterprise = to_frame(connection.execute(ENTERPRISE_MONTHS_SQL))
    enterprise["month"] = as_dates(enterprise["month"])
    park = to_frame(connection.execute("select * from fct_park_monthly_kpis"))
    park["month"] = as_dates(park["month"])
    events = to_frame(connection.execute(
        "select event_id, enterprise_id, start_utc from stg_inbox__dr_events"))
    starts = pd.to_datetime(events["start_utc"], utc=True).dt.tz_convert(zone)
    events["month"] = [dt.date(t.year, t.month, 1) for t in starts]
    default_h = settings.park.dispatch.interval_minutes / 60.0
    income = to_frame(connection.execute(DR_INCOME_SQL, [default_h]))
    # every year: the lights' runs of red months cross years
    accounts = to_frame(connection.execute(
        "select * from fct_enterprise_carbon_accounts where entity_kind = 'enterprise' "
        "and month <= ? order by month", [month]))
    accounts["month"] = as_dates(accounts["month"])
    allowances = to_frame(connection.execute(
        "select enterprise_id, allowances_allocated_tco2 + allowances_purchased_tco2 "
        "- allowances_sold_tco2 as allowances_held_tco2 from stg_inbox__allowances "
        "where compliance_year = ?", [month.year]))
    return Months(enterprise, park, events,
                   {e: float(v) for e, v in zip(income["event_id"], income["income_cny"],
                                                strict=True) if pd.notna(v)},
                   accounts, allowances)


def read_intervals(connection: duckdb.DuckDBPyConnection, month: dt.date) -> pd.DataFrame:
    """The month's enterprise intervals with `quality`: missing where one of the enterprise's
    own meters has no interval, estimated where the allocation or a meter of its own rests on
    an estimate, measured otherwise (an enterprise without meters of its own: as the mart)."""
    bounds = [month, add_months(month, 1)]
    rows = to_frame(connection.execute(MONTH_INTERVALS_SQL, bounds))
    meters = to_frame(connection.execute(METERS_SQL, bounds))
    for frame in (rows, meters):
        frame["interval_start_utc"] = pd.to_datetime(frame["interval_start_utc"], utc=True)
    rows["interval_start_local"] = pd.to_datetime(rows["interval_start_local"])
    rows = rows.merge(meters, on=["entity_id", "interval_start_utc"], how="left")
    owned = rows["entity_id"].isin(set(meters["entity_id"]))
    short = owned & ~(rows["meters_reporting"] >= rows["meters"])
    estimated = rows["interval_quality"].eq("estimated") | rows["meter_estimated"].eq(True)
    rows["quality"] = "measured"
    rows.loc[estimated, "quality"] = "estimated"
    rows.loc[short, "quality"] = "missing"
    return rows.drop(columns=["meters", "meters_reporting", "meter_estimated"])


def tou_prices(settings: Settings, starts_utc: pd.Series) -> pd.DataFrame:
    """tou_period, import and valley price (CNY/kWh) per interval start; intervals before the
    first tariff version (or a park without tariffs) are left out: they have no period."""
    tariffs = settings.park.tariffs
    columns = ["tou_period", "import_price_cny_per_kwh", "valley_price_cny_per_kwh"]
    if not tariffs or starts_utc.empty:
        return pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], tz="UTC"))
    zone = settings.park.park.timezone
    index = pd.DatetimeIndex(sorted(set(starts_utc)))
    first = min(t.valid_from for t in tariffs)
    index = index[[t.tz_convert(zone).date() >= first for t in index]]
    prices = interval_prices(tariffs, index, zone)
    valley = {t.id: t.energy_price_cny_per_kwh.get("valley") for t in tariffs}
    prices["valley_price_cny_per_kwh"] = prices["tariff_id"].map(valley).astype(float)
    return prices[columns]

