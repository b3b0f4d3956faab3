"""The monthly scorecards' data, read from the warehouse's marts (read-only) into the plain
records of model.py: one card per configured enterprise, one for the park.

Where each figure comes from (months are local calendar months, `month` their first day):
- enterprise headline: fct_enterprise_monthly_kpis (electricity, tce, Scope 1, Scope 2
  location and market, intensity = emissions_tco2 / output value, the emissions by the
  core-indicator Scope 2 method) and fct_enterprise_monthly_carbon (renewable share = PV
  allocated + green power + certificates over electricity; PV allocated kWh); demand
  response from stg_inbox__dr_events and the plans in force (fct_dispatch_plan).
  A month without a row is None, never 0; so is an intensity without an output value.
- targets and lights: lights.py, on Scope 1 + location-based Scope 2 for the cap and on the
  intensity above for the path.
- profile, TOU split, data quality: fct_enterprise_interval_energy for the month, priced per
  interval by jobs.dispatch.tariff.interval_prices, each interval's quality also checked
  against the enterprise's own meters in fct_interval_energy; expected intervals from the
  calendar in the park's zone (daylight saving included), up to `now_utc` for a month still
  running.
- carbon account: fct_enterprise_carbon_accounts (the latest month of the year up to the card).
- park: fct_park_monthly_kpis, fct_energy_balance (data quality), the seed
  zero_carbon_park_indicators, and the day-ahead runs in force (fct_dispatch_plan; their
  costs from stg_dispatch__plans).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from jobs.common.park_config import Enterprise, ScorecardSettings
from jobs.common.settings import Settings
from jobs.dispatch.tariff import interval_prices
from jobs.scorecards import findings, lights
from jobs.scorecards.model import (
    CarbonAccount,
    DataQuality,
    EnterpriseScorecard,
    Figure,
    FlaggedEnterprise,
    IndicatorRow,
    ParkScorecard,
)
from jobs.warehouse.published import connect_published

INTERVAL = dt.timedelta(minutes=15)  # the warehouse's settlement interval
INTERVAL_H = INTERVAL.total_seconds() / 3600.0
TOU_ORDER = ("critical_peak", "peak", "flat", "valley", "deep_valley")
TREND_MONTHS = 12
# Months back (before the card's) whose intervals are checked against the enterprise's own
# meters: enough for the year to date and for any configured run of red months (at most 12).
METERED_WINDOW_MONTHS = 23
# Guiding indicators of the national system the platform measures: slug of the reference's
# English name -> the park's monthly column (judged year to date, as the indicators are annual).
MEASURED_INDICATORS = {"clean_energy_share_of_consumption": "clean_energy_share_pct"}
TARGET_SIGNS = {">=": "≥", "<=": "≤"}

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

# Every enterprise month, with metered_intervals: the intervals in which all of the
# enterprise's own meters reported (null outside the window the caller reads, or without
# meters of its own). fct_enterprise_interval_energy keeps an enterprise's interval when any
# of its devices has one (an HVAC sub-load alone gives a 'measured' 0 kWh while the feeder is
# down), so its `intervals` would count such a gap as data.
ENTERPRISE_MONTHS_SQL = f"""
with {OWN_METERS_CTE},

metered as (
    select reporting.enterprise_id, reporting.month,
        count(*) filter (where reporting.meters_reporting >= own_meters.meters)
            as metered_intervals
    from reporting
    inner join own_meters using (enterprise_id)
    group by all
)

select
    kpis.entity_id, kpis.month, kpis.electricity_kwh, kpis.gas_nm3, kpis.energy_tce,
    kpis.scope1_tco2, kpis.scope2_location_tco2, kpis.scope2_market_tco2, kpis.emissions_tco2,
    kpis.output_value_10k_cny, kpis.carbon_intensity_tco2_per_10k_cny,
    kpis.rank_by_carbon_intensity, kpis.intervals,
    case when own_meters.enterprise_id is not null and kpis.month >= ?
         then coalesce(metered.metered_intervals, 0) end as metered_intervals,
    carbon.renewable_electricity_share_pct, carbon.pv_allocated_kwh
from fct_enterprise_monthly_kpis as kpis
inner join fct_enterprise_monthly_carbon as carbon using (entity_id, month)
left join own_meters on kpis.entity_id = own_meters.enterprise_id
left join metered on kpis.entity_id = metered.enterprise_id and kpis.month = metered.month
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


# ---------------------------------------------------------------------------- calendar


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_month(timezone: str) -> dt.date:
    """The first day of last month in the park's zone: what the monthly reports cover."""
    today = dt.datetime.now(ZoneInfo(timezone)).date()
    return add_months(today.replace(day=1), -1)


def _local_start_utc(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(zone)).astimezone(dt.UTC)


def intervals_between(start: dt.date, end: dt.date, zone: str,
                      now_utc: dt.datetime | None = None) -> int:
    """Quarter-hours from local midnight of `start` to local midnight of `end` (exclusive),
    counted on the clock (92/100 on daylight-saving days), none after `now_utc`."""
    first = _local_start_utc(start, zone)
    last = _local_start_utc(end, zone)
    if now_utc is not None:
        last = min(last, now_utc.astimezone(dt.UTC))
    return max(int((last - first) / INTERVAL), 0)


def _check_month(month: dt.date) -> None:
    if month.day != 1:
        raise ValueError(f"month must be the first day of a month, not {month}")


# ---------------------------------------------------------------------------- helpers


def _value(value: object) -> float | None:
    """A warehouse value as a float; None for SQL null / NaN (never 0 for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)  # type: ignore[arg-type]  # numpy and Python numbers alike
    return None if math.isnan(number) else number


def _as_dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column).dt.date


# a month with less of its quarter-hours than this is no month to compare with: four days
# of September against all of October is not "+700 %" (make bench, scorecards)
MIN_COMPARABLE_SHARE = 0.8


def comparable_months(rows: pd.DataFrame, zone: str) -> set[dt.date]:
    """The months (rows: month, intervals) with enough data to stand as a comparison."""
    return {m for m, n in zip(rows["month"], rows["intervals"], strict=True)
            if pd.notna(n) and n >= MIN_COMPARABLE_SHARE
            * intervals_between(m, add_months(m, 1), zone)}


def _figure(key: str, unit: str, by_month: Mapping[dt.date, float | None],
            month: dt.date, comparable: set[dt.date] | None = None) -> Figure:
    """The month's value with last month's and last year's, each only if that month is
    comparable (None: every month with a value is)."""
    def before(months_back: int) -> float | None:
        earlier = add_months(month, -months_back)
        return by_month.get(earlier) if comparable is None or earlier in comparable else None
    return Figure(key, by_month.get(month), unit, before(1), before(12))


def _by_month(rows: pd.DataFrame, column: str) -> dict[dt.date, float | None]:
    return {m: _value(v) for m, v in zip(rows["month"], rows[column], strict=True)}


# ---------------------------------------------------------------------------- the warehouse


@dataclass(frozen=True)
class _Months:
    """Everything the cards need that is small: monthly rows for all months, DR, accounts."""

    enterprise: pd.DataFrame  # ENTERPRISE_MONTHS_SQL, all months
    park: pd.DataFrame  # fct_park_monthly_kpis, all months
    dr_events: pd.DataFrame  # event_id, enterprise_id (None: park-wide), month (local start)
    dr_income_cny: dict[str, float]  # event_id -> income under the plans in force
    accounts: pd.DataFrame  # fct_enterprise_carbon_accounts of the card's year up to its month
    allowances: pd.DataFrame  # stg_inbox__allowances of the card's year


def _read_months(connection: duckdb.DuckDBPyConnection, settings: Settings,
                 month: dt.date) -> _Months:
    zone = settings.park.park.timezone
    window = add_months(month, -METERED_WINDOW_MONTHS)
    enterprise = connection.execute(ENTERPRISE_MONTHS_SQL,
                                    [window, add_months(month, 1), window]).df()
    enterprise["month"] = _as_dates(enterprise["month"])
    park = connection.execute("select * from fct_park_monthly_kpis").df()
    park["month"] = _as_dates(park["month"])
    events = connection.execute(
        "select event_id, enterprise_id, start_utc from stg_inbox__dr_events").df()
    starts = pd.to_datetime(events["start_utc"], utc=True).dt.tz_convert(zone)
    events["month"] = [dt.date(t.year, t.month, 1) for t in starts]
    default_h = settings.park.dispatch.interval_minutes / 60.0
    income = connection.execute(DR_INCOME_SQL, [default_h]).df()
    accounts = connection.execute(
        "select * from fct_enterprise_carbon_accounts where entity_kind = 'enterprise' "
        "and compliance_year = ? and month <= ? order by month",
        [month.year, month]).df()
    accounts["month"] = _as_dates(accounts["month"])
    allowances = connection.execute(
        "select enterprise_id, allowances_allocated_tco2 + allowances_purchased_tco2 "
        "- allowances_sold_tco2 as allowances_held_tco2 from stg_inbox__allowances "
        "where compliance_year = ?", [month.year]).df()
    return _Months(enterprise, park, events,
                   {e: float(v) for e, v in zip(income["event_id"], income["income_cny"],
                                                strict=True) if pd.notna(v)},
                   accounts, allowances)


def _read_intervals(connection: duckdb.DuckDBPyConnection, month: dt.date) -> pd.DataFrame:
    """The month's enterprise intervals with `quality`: missing where one of the enterprise's
    own meters has no interval, estimated where the allocation or a meter of its own rests on
    an estimate, measured otherwise (an enterprise without meters of its own: as the mart)."""
    bounds = [month, add_months(month, 1)]
    rows = connection.execute(MONTH_INTERVALS_SQL, bounds).df()
    meters = connection.execute(METERS_SQL, bounds).df()
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


def _tou_prices(settings: Settings, starts_utc: pd.Series) -> pd.DataFrame:
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


# ---------------------------------------------------------------------------- enterprises


@dataclass(frozen=True)
class _Standing:
    """An enterprise's month among the others: lights, intensity, change and ranks."""

    month: lights.MonthStanding
    red_months: int
    intensity: float | None
    change_pct: float | None
    rank_by_intensity: int | None
    rank_by_improvement: int | None


def _intervals_left(month: dt.date, zone: str) -> int:
    return intervals_between(add_months(month, 1), dt.date(month.year + 1, 1, 1), zone)


def _intensity_changes(enterprise: pd.DataFrame, month: dt.date,
                       zone: str) -> dict[str, float]:
    """Change of intensity (%) on the calendar month before, where both months have one and
    the month before is comparable (the mart's own change compares with the previous row,
    which skips months without data)."""
    intensity = enterprise.set_index(["entity_id", "month"])["carbon_intensity_tco2_per_10k_cny"]
    before = add_months(month, -1)
    changes = {}
    for entity, rows in enterprise.groupby("entity_id"):
        if before not in comparable_months(rows, zone):
            continue
        now, then = (_value(intensity.get((entity, m))) for m in (month, before))
        if now is not None and then is not None and then > 0:
            changes[entity] = 100.0 * (now - then) / then
    return changes


def _standings(settings: Settings, months: _Months,
               month: dt.date) -> dict[str, _Standing]:
    zone = settings.park.park.timezone
    rules: ScorecardSettings = settings.park.scorecards
    frame = months.enterprise
    changes = _intensity_changes(frame, month, zone)
    improvement = pd.Series(changes, dtype=float).rank(method="min")
    standings = {}
    for enterprise in settings.park.enterprises:
        rows = frame[frame["entity_id"] == enterprise.id].copy()
        rows["cap_basis_tco2"] = rows["scope1_tco2"] + rows["scope2_location_tco2"]
        rows["intervals"] = rows["metered_intervals"].fillna(rows["intervals"])
        rows["intervals_left_in_year"] = [_intervals_left(m, zone) for m in rows["month"]]
        by_month = lights.monthly_standings(rows, enterprise.targets, rules)
        this = by_month.get(month) or lights.no_data_standing(month, enterprise.targets)
        overall = {m: s.overall for m, s in by_month.items()}
        current = rows[rows["month"] == month]
        rank = _value(current["rank_by_carbon_intensity"].iloc[0]) if len(current) else None
        intensity = (_value(current["carbon_intensity_tco2_per_10k_cny"].iloc[0])
                     if len(current) else None)
        standings[enterprise.id] = _Standing(
            this, lights.consecutive_red_months(overall, month), intensity,
            changes.get(enterprise.id), None if rank is None else int(rank),
            int(improvement[enterprise.id]) if enterprise.id in improvement else None)
    return standings


def _enterprises_ranked(months: _Months, month: dt.date) -> int:
    frame = months.enterprise
    return int(frame.loc[frame["month"] == month, "rank_by_carbon_intensity"].notna().sum())


def _dr_figures(months: _Months, enterprise_id: str | None,
                metered: set[dt.date]) -> tuple[dict[dt.date, float | None],
                                                 dict[dt.date, float | None]]:
    """Events (the enterprise's own and park-wide; all for the park) and income by month.

    Participation counts every event called in a month the consumer has data for (None
    otherwise). Income is that of the events addressed to the enterprise (for the park: all
    events) under the plans in force: the committed reduction x hours x compensation the
    plan expected to earn, not a settled payment; None where no such event was planned.
    Park-wide events' income is the park's: nothing says how it is shared."""
    events = months.dr_events
    if enterprise_id is None:
        called, own = events, events
    else:
        called = events[events["enterprise_id"].isna() | (events["enterprise_id"]
                                                           == enterprise_id)]
        own = events[events["enterprise_id"] == enterprise_id]
    counts: dict[dt.date, float | None] = {
        m: float((called["month"] == m).sum()) for m in metered}
    income: dict[dt.date, float | None] = {}
    for event_id, event_month in zip(own["event_id"], own["month"], strict=True):
        if event_id in months.dr_income_cny:
            income[event_month] = (income.get(event_month) or 0.0) \
                + months.dr_income_cny[event_id]
    return counts, income


def _enterprise_headline(rows: pd.DataFrame, months: _Months, enterprise_id: str,
                         month: dt.date, zone: str) -> list[Figure]:
    dr_events, dr_income = _dr_figures(months, enterprise_id, set(rows["month"]))
    spec = [("electricity_kwh", "kWh", "electricity_kwh"), ("energy_tce", "tce", "energy_tce"),
            ("scope1_tco2", "tCO2", "scope1_tco2"),
            ("scope2_location_tco2", "tCO2", "scope2_location_tco2"),
            ("scope2_market_tco2", "tCO2", "scope2_market_tco2"),
            ("intensity_tco2_per_10k_cny", "tCO2/10k CNY", "carbon_intensity_tco2_per_10k_cny"),
            ("renewable_share_pct", "%", "renewable_electricity_share_pct"),
            ("pv_self_consumed_kwh", "kWh", "pv_allocated_kwh")]
    comparable = comparable_months(rows, zone)
    return [*(_figure(key, unit, _by_month(rows, column), month, comparable)
              for key, unit, column in spec),
            _figure("dr_events", "events", dr_events, month),
            _figure("dr_income_cny", "CNY", dr_income, month)]


def _trend(rows: pd.DataFrame, month: dt.date) -> pd.DataFrame:
    """From the first month with data among the last 12 to the card's month; months without
    data in between are rows of NaN (a gap, not a zero)."""
    columns = ["month", "electricity_kwh", "tco2", "intensity_tco2_per_10k_cny"]
    window = rows[(rows["month"] > add_months(month, -TREND_MONTHS)) & (rows["month"] <= month)]
    if window.empty:
        return pd.DataFrame(columns=columns)
    first = min(window["month"])
    span = []
    while first <= month:
        span.append(first)
        first = add_months(first, 1)
    trend = (window.set_index("month")
             .reindex(span)[["electricity_kwh", "emissions_tco2",
                             "carbon_intensity_tco2_per_10k_cny"]]
             .rename(columns={"emissions_tco2": "tco2", "carbon_intensity_tco2_per_10k_cny":
                              "intensity_tco2_per_10k_cny"}))
    trend.index = pd.to_datetime(trend.index)
    return trend.rename_axis("month").reset_index()[columns]


def daily_profile(intervals: pd.DataFrame) -> pd.DataFrame:
    """Mean kW by local time of day (HH:MM) over the intervals with data: the consumption
    (load_kw) and the PV allocated to it (pv_kw)."""
    intervals = intervals[intervals["quality"] != "missing"]
    if intervals.empty:
        return pd.DataFrame(columns=["load_kw", "pv_kw"],
                            index=pd.Index([], name="time_local"))
    slots = intervals["interval_start_local"].dt.strftime("%H:%M").rename("time_local")
    profile = intervals.groupby(slots)[["consumption_kwh", "pv_allocated_kwh"]].mean() \
        / INTERVAL_H
    return profile.rename(columns={"consumption_kwh": "load_kw", "pv_allocated_kwh": "pv_kw"})


def tou_shares_kwh(priced: pd.DataFrame) -> pd.Series:
    shares = priced.groupby("tou_period")["consumption_kwh"].sum()
    order = [p for p in TOU_ORDER if p in shares.index] + \
        sorted(p for p in shares.index if p not in TOU_ORDER)
    return shares.reindex(order).astype(float).rename("kwh")


def data_quality(intervals: pd.DataFrame, expected: int) -> DataQuality:
    measured = int((intervals["quality"] == "measured").sum())
    estimated = int((intervals["quality"] == "estimated").sum())
    return DataQuality(expected, measured, estimated, max(expected - measured - estimated, 0))


def _carbon_account(months: _Months, enterprise_id: str, month: dt.date) -> CarbonAccount:
    """The account as of the latest month of the card's year with data (the year to date
    stands even if the card's month has none). Without any data this year only the
    allowances are known; the status then says 'surplus' if some are held (nothing metered
    has been emitted against them) and 'no_allowances' otherwise."""
    rows = months.accounts[months.accounts["entity_id"] == enterprise_id]
    if rows.empty:
        held = months.allowances.loc[months.allowances["enterprise_id"] == enterprise_id,
                                     "allowances_held_tco2"]
        allowances = _value(held.iloc[0]) if len(held) else None
        return CarbonAccount(None, None, allowances, None, None,
                             "no_allowances" if allowances is None else "surplus")
    latest = rows.iloc[-1]
    return CarbonAccount(
        _value(latest["accounted_tco2"]) if latest["month"] == month else None,
        _value(latest["ytd_accounted_tco2"]), _value(latest["allowances_held_tco2"]),
        _value(latest["surplus_to_date_tco2"]),
        _value(latest["projected_year_end_surplus_tco2"]), str(latest["account_status"]))


def _emissions_by_source(rows: pd.DataFrame, month: dt.date) -> pd.Series:
    """electricity = location-based Scope 2, natural_gas = Scope 1 (the marts' only Scope 1
    source), the latter only for an enterprise that burns gas."""
    current = rows[rows["month"] == month]
    if current.empty:
        return pd.Series(dtype=float, name="tco2")
    row = current.iloc[0]
    sources = {"electricity": _value(row["scope2_location_tco2"])}
    if (_value(row["gas_nm3"]) or 0.0) > 0:
        sources["natural_gas"] = _value(row["scope1_tco2"])
    return pd.Series(sources, dtype=float, name="tco2")


def _enterprise_card(settings: Settings, enterprise: Enterprise, month: dt.date,
                     months: _Months, intervals: pd.DataFrame, prices: pd.DataFrame,
                     standing: _Standing, ranked: int, expected: int) -> EnterpriseScorecard:
    rows = months.enterprise[months.enterprise["entity_id"] == enterprise.id]
    own = intervals[intervals["entity_id"] == enterprise.id]
    priced = own.join(prices, on="interval_start_utc", how="inner")
    profile = daily_profile(own)
    quality = data_quality(own, expected)
    account = _carbon_account(months, enterprise.id, month)
    return EnterpriseScorecard(
        enterprise_id=enterprise.id, name_zh=enterprise.name_zh, name_en=enterprise.name_en,
        month=month, headline=_enterprise_headline(rows, months, enterprise.id, month,
                                                   settings.park.park.timezone),
        targets=[standing.month.cap, standing.month.intensity_path],
        overall_light=standing.month.overall, rank_by_intensity=standing.rank_by_intensity,
        rank_by_improvement=standing.rank_by_improvement, enterprises_ranked=ranked,
        trend=_trend(rows, month), daily_profile=profile, tou_shares_kwh=tou_shares_kwh(priced),
        emissions_by_source_tco2=_emissions_by_source(rows, month),
        findings=findings.enterprise_findings(priced[priced["quality"] != "missing"], profile,
                                              quality, standing.change_pct, account),
        data_quality=quality, carbon_account=account,
        is_new=not (rows["month"] < month).any())


def build_enterprise_scorecards(settings: Settings, month: dt.date, *,
                                now_utc: dt.datetime | None = None
                                ) -> list[EnterpriseScorecard]:
    """One card per enterprise in the config (in its order) for the local month starting on
    `month`. `now_utc` (default: the clock) ends the expected intervals of a running month."""
    _check_month(month)
    zone = settings.park.park.timezone
    now = now_utc or dt.datetime.now(dt.UTC)
    with connect_published(settings) as connection:
        months = _read_months(connection, settings, month)
        intervals = _read_intervals(connection, month)
    prices = _tou_prices(settings, intervals["interval_start_utc"])
    standings = _standings(settings, months, month)
    ranked = _enterprises_ranked(months, month)
    expected = intervals_between(month, add_months(month, 1), zone, now)
    return [_enterprise_card(settings, enterprise, month, months, intervals, prices,
                             standings[enterprise.id], ranked, expected)
            for enterprise in settings.park.enterprises]


# ---------------------------------------------------------------------------- the park


def _year_to_date(park: pd.DataFrame, month: dt.date) -> pd.DataFrame:
    return park[(park["month"] >= dt.date(month.year, 1, 1)) & (park["month"] <= month)]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def guiding_indicators(reference: pd.DataFrame, park: pd.DataFrame,
                       month: dt.date) -> list[IndicatorRow]:
    """The reference's guiding indicators; those in MEASURED_INDICATORS judged on the year
    to date (weighted by each month's tce), the rest not_measured."""
    ytd = _year_to_date(park, month)
    rows = []
    for item in reference[reference["kind"] == "guiding"].itertuples():
        name_zh, _, rest = str(item.indicator).partition(" (")
        name_en = rest.rstrip(")") or name_zh
        name_en = name_en[:1].upper() + name_en[1:]
        key = _slug(name_en.split(";")[0])
        column = MEASURED_INDICATORS.get(key)
        value = None
        if column is not None and len(ytd):
            value = _ratio(float((ytd[column] * ytd["energy_tce"]).sum()),
                           float(ytd["energy_tce"].sum()))
        target = str(item.target)
        sign = TARGET_SIGNS.get(str(item.target_op), str(item.target_op))
        unit = "" if item.unit == "grade" else f" {item.unit}"
        status = "not_measured"
        if value is not None and item.target_op in TARGET_SIGNS:
            limit = float(target)
            met = value >= limit if item.target_op == ">=" else value <= limit
            status = "met" if met else "not_met"
        rows.append(IndicatorRow(key, name_zh, name_en, value, str(item.unit),
                                 f"{sign} {target}{unit}", status))
    return rows


def _park_headline(park: pd.DataFrame, months: _Months, month: dt.date,
                   zone: str) -> list[Figure]:
    spec = [("grid_import_kwh", "kWh", "grid_import_kwh"),
            ("grid_export_kwh", "kWh", "grid_export_kwh"),
            ("pv_generation_kwh", "kWh", "pv_generation_kwh"),
            ("consumption_kwh", "kWh", "electricity_kwh"),
            ("renewable_absorption_pct", "%", "renewable_absorption_pct"),
            ("self_sufficiency_pct", "%", "self_sufficiency_pct"),
            ("peak_import_kw", "kW", "peak_import_kw"), ("energy_tce", "tce", "energy_tce"),
            ("scope1_tco2", "tCO2", "scope1_tco2"),
            ("scope2_location_tco2", "tCO2", "scope2_location_tco2"),
            ("scope2_market_tco2", "tCO2", "scope2_market_tco2")]
    dr_events, dr_income = _dr_figures(months, None, set(park["month"]))
    comparable = comparable_months(park, zone)
    return [*(_figure(key, unit, _by_month(park, column), month, comparable)
              for key, unit, column in spec),
            _figure("dr_events", "events", dr_events, month),
            _figure("dr_income_cny", "CNY", dr_income, month)]


def trajectory(park: pd.DataFrame, month: dt.date, settings: Settings,
               intervals_to_date: int) -> pd.DataFrame:
    """year, actual_tco2, months_with_data, path_tco2 from the first year with data to the
    neutrality year. actual: the core indicator's emissions (Scope 1 + Scope 2 by its method)
    summed over the months with data up to the card's month (a year with fewer than 12 such
    months is partial: months_with_data says so; future years None). path: the card's year
    at the pace so far (lights.year_end_projection over `intervals_to_date`, the year's
    balance intervals whose consumer split is complete), held level up to the peak year (no
    growth past today's level), then falling linearly to zero in the neutrality year; None
    before the card's year."""
    targets = settings.park.targets
    zone = settings.park.park.timezone
    past = park[park["month"] <= month]
    first_year = min(past["month"]).year if len(past) else month.year
    years = list(range(first_year, max(targets.neutrality_year, month.year) + 1))
    ytd = _year_to_date(park, month)
    start_level = lights.year_end_projection(
        float(ytd["core_indicator_tco2"].sum()), intervals_to_date,
        _intervals_left(month, zone)) if len(ytd) else None
    peak_year = max(targets.peak_year, month.year)
    rows = []
    for year in years:
        in_year = past[[m.year == year for m in past["month"]]]
        actual = float(in_year["core_indicator_tco2"].sum()) if len(in_year) else None
        path = None
        if start_level is not None and year >= month.year:
            if year <= peak_year:
                path = start_level
            elif year < targets.neutrality_year:
                path = start_level * (targets.neutrality_year - year) \
                    / (targets.neutrality_year - peak_year)
            else:
                path = 0.0
        rows.append({"year": year, "actual_tco2": actual, "months_with_data": len(in_year),
                     "path_tco2": path})
    return pd.DataFrame(rows, columns=["year", "actual_tco2", "months_with_data", "path_tco2"])


def _league(settings: Settings, standings: Mapping[str, _Standing]) -> pd.DataFrame:
    """All configured enterprises, ranked ones first by rank; intensity, change_pct and rank
    stay None (object columns) where there is none, so a renderer never prints NaN."""
    rows = sorted(({"enterprise_id": e.id, "name_zh": e.name_zh, "name_en": e.name_en,
                    "intensity": standings[e.id].intensity,
                    "change_pct": standings[e.id].change_pct,
                    "light": standings[e.id].month.overall,
                    "rank": standings[e.id].rank_by_intensity}
                   for e in settings.park.enterprises),
                  key=lambda row: (row["rank"] is None, row["rank"] or 0))
    columns = ["enterprise_id", "name_zh", "name_en", "intensity", "change_pct", "light", "rank"]
    return pd.DataFrame({column: pd.Series([row[column] for row in rows], dtype=object)
                         for column in columns}, columns=columns)


def _flagged(settings: Settings, standings: Mapping[str, _Standing]) -> list[FlaggedEnterprise]:
    flags = (lights.flag(e.id, e.name_zh, e.name_en, standings[e.id].red_months,
                         settings.park.scorecards) for e in settings.park.enterprises)
    return [f for f in flags if f is not None]


def build_park_scorecard(settings: Settings, month: dt.date, *,
                         now_utc: dt.datetime | None = None) -> ParkScorecard:
    """The park's card for the local month starting on `month`: the core indicator (month,
    year to date = the year's emissions over its tce, rolling 12 months as the mart has it,
    the limit of the park's size band; the light judges the rolling 12 months), the guiding
    indicators, the energy balance, the dispatch saving (baseline minus objective, summed
    over the runs in force for the month's days; None without plans), the league table and
    the enterprises flagged by consecutive red months."""
    _check_month(month)
    zone = settings.park.park.timezone
    now = now_utc or dt.datetime.now(dt.UTC)
    park_info = settings.park.park
    with connect_published(settings) as connection:
        months = _read_months(connection, settings, month)
        reference = connection.execute("select * from zero_carbon_park_indicators").df()
        balance = connection.execute(PARK_QUALITY_SQL, [month, add_months(month, 1)]).fetchone()
        year = connection.execute(PARK_QUALITY_SQL, [dt.date(month.year, 1, 1),
                                                     add_months(month, 1)]).fetchone()
        saving = connection.execute(DISPATCH_SAVING_SQL, [month, add_months(month, 1)]) \
            .fetchone()
    park = months.park
    current = park[park["month"] == month]
    row = current.iloc[0] if len(current) else None
    ytd = _year_to_date(park, month)
    rolling = None if row is None else _value(row["rolling_12m_core_indicator_tco2_per_tce"])
    limit = None if row is None else _value(row["core_indicator_limit_tco2_per_tce"])
    standings = _standings(settings, months, month)
    present, estimated, unexplained = (int(v) for v in balance) if balance else (0, 0, 0)
    expected = intervals_between(month, add_months(month, 1), zone, now)
    return ParkScorecard(
        park_id=park_info.id, name_zh=park_info.name_zh, name_en=park_info.name_en,
        month=month,
        core_indicator_month=None if row is None else _value(row["core_indicator_tco2_per_tce"]),
        core_indicator_year_to_date=_ratio(float(ytd["core_indicator_tco2"].sum()),
                                           float(ytd["energy_tce"].sum())) if len(ytd) else None,
        core_indicator_rolling_12m=rolling, core_indicator_limit=limit,
        core_indicator_light=lights.upper_limit_light(rolling, limit,
                                                      settings.park.scorecards.amber_margin_pct),
        indicators=guiding_indicators(reference, park, month),
        headline=_park_headline(park, months, month, zone),
        dispatch_saving_cny=_value(saving[1]) if saving and saving[0] else None,
        league=_league(settings, standings), flagged=_flagged(settings, standings),
        trajectory=trajectory(park, month, settings,
                              int(year[0]) - int(year[2]) if year else 0),
        data_quality=DataQuality(expected, present - estimated - unexplained, estimated,
                                 max(expected - present, 0) + unexplained))
