"""The enterprises' monthly cards: headline figures, targets and lights, ranks, the 12-month
trend, the mean daily profile, TOU split, emissions by source, findings, data quality and the
carbon account, one card per configured enterprise."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jobs.common.park_config import Enterprise
from jobs.common.settings import Settings
from jobs.scorecards import findings
from jobs.scorecards.model import (
    CarbonAccount,
    DataQuality,
    EnterpriseContribution,
    EnterpriseScorecard,
    Figure,
)
from jobs.scorecards.national import read_contributions, read_readiness
from jobs.scorecards.periods import (
    INTERVAL_H,
    add_months,
    check_month,
    comparable_months,
    intervals_between,
    running_through,
)
from jobs.scorecards.reads import (
    Months,
    read_intervals,
    read_months,
    tou_prices,
    value_or_none,
)
from jobs.scorecards.standings import (
    Standing,
    column_by_month,
    dr_figures,
    enterprises_ranked,
    month_figure,
    standings_of,
)
from jobs.warehouse.published import connect_published

TOU_ORDER = ("critical_peak", "peak", "flat", "valley", "deep_valley")
TREND_MONTHS = 12


def _enterprise_headline(rows: pd.DataFrame, months: Months, enterprise_id: str,
                         month: dt.date, zone: str) -> list[Figure]:
    dr_events, dr_income = dr_figures(months, enterprise_id, set(rows["month"]))
    spec = [("electricity_kwh", "kWh", "electricity_kwh"), ("energy_tce", "tce", "energy_tce"),
            ("scope1_tco2", "tCO2", "scope1_tco2"),
            ("scope2_location_tco2", "tCO2", "scope2_location_tco2"),
            ("scope2_market_tco2", "tCO2", "scope2_market_tco2"),
            ("intensity_tco2_per_10k_cny", "tCO2/10k CNY", "carbon_intensity_tco2_per_10k_cny"),
            ("renewable_share_pct", "%", "renewable_electricity_share_pct"),
            ("pv_self_consumed_kwh", "kWh", "pv_allocated_kwh")]
    comparable = comparable_months(rows, zone)
    return [*(month_figure(key, unit, column_by_month(rows, column), month, comparable)
              for key, unit, column in spec),
            month_figure("dr_events", "events", dr_events, month),
            month_figure("dr_income_cny", "CNY", dr_income, month)]


def _trend(rows: pd.DataFrame, month: dt.date) -> pd.DataFrame:
    """From the first month with data among the last 12 to the card's month; months without
    data in between are rows of NaN (a gap, not a zero). tco2 is the carbon account's
    accounted_tco2 (rows carry it), the calculation of the account the card prints beside
    the chart."""
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
             .reindex(span)[["electricity_kwh", "accounted_tco2",
                             "carbon_intensity_tco2_per_10k_cny"]]
             .rename(columns={"accounted_tco2": "tco2", "carbon_intensity_tco2_per_10k_cny":
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


def profile_days(intervals: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """The first and last local day the daily profile averages (None without data)."""
    days = intervals.loc[intervals["quality"] != "missing", "interval_start_local"].dt.date
    return (min(days), max(days)) if len(days) else None


def tou_shares_kwh(priced: pd.DataFrame) -> pd.Series:
    shares = priced.groupby("tou_period")["consumption_kwh"].sum()
    order = [p for p in TOU_ORDER if p in shares.index] + \
        sorted(p for p in shares.index if p not in TOU_ORDER)
    return shares.reindex(order).astype(float).rename("kwh")


def data_quality(intervals: pd.DataFrame, expected: int) -> DataQuality:
    measured = int((intervals["quality"] == "measured").sum())
    estimated = int((intervals["quality"] == "estimated").sum())
    return DataQuality(expected, measured, estimated, max(expected - measured - estimated, 0))


def _carbon_account(months: Months, enterprise_id: str, month: dt.date) -> CarbonAccount:
    """The account as of the latest month of the card's year with data (the year to date
    stands even if the card's month has none). Without any data this year only the
    allowances are known; the status then says 'surplus' if some are held (nothing metered
    has been emitted against them) and 'no_allowances' otherwise."""
    accounts = months.accounts
    rows = accounts[(accounts["entity_id"] == enterprise_id)
                    & (accounts["compliance_year"] == month.year)]
    if rows.empty:
        held = months.allowances.loc[months.allowances["enterprise_id"] == enterprise_id,
                                     "allowances_held_tco2"]
        allowances = value_or_none(held.iloc[0]) if len(held) else None
        return CarbonAccount(None, None, allowances, None, None,
                             "no_allowances" if allowances is None else "surplus")
    latest = rows.iloc[-1]
    return CarbonAccount(
        value_or_none(latest["accounted_tco2"]) if latest["month"] == month else None,
        value_or_none(latest["ytd_accounted_tco2"]), value_or_none(latest["allowances_held_tco2"]),
        value_or_none(latest["surplus_to_date_tco2"]),
        value_or_none(latest["projected_year_end_surplus_tco2"]), str(latest["account_status"]),
        value_or_none(latest["ytd_coupling_reward_tco2"]),
        value_or_none(latest["ytd_coupling_subsidy_cny"]))


def _emissions_by_source(rows: pd.DataFrame, month: dt.date) -> pd.Series:
    """electricity = location-based Scope 2, natural_gas = Scope 1 (the marts' only Scope 1
    source), the latter only for an enterprise that burns gas."""
    current = rows[rows["month"] == month]
    if current.empty:
        return pd.Series(dtype=float, name="tco2")
    row = current.iloc[0]
    sources = {"electricity": value_or_none(row["scope2_location_tco2"])}
    if (value_or_none(row["gas_nm3"]) or 0.0) > 0:
        sources["natural_gas"] = value_or_none(row["scope1_tco2"])
    return pd.Series(sources, dtype=float, name="tco2")


def _enterprise_card(settings: Settings, enterprise: Enterprise, month: dt.date,
                     months: Months, intervals: pd.DataFrame, prices: pd.DataFrame,
                     standing: Standing, ranked: int, expected: int,
                     through_day: dt.date | None,
                     contribution: EnterpriseContribution | None) -> EnterpriseScorecard:
    rows = months.enterprise[months.enterprise["entity_id"] == enterprise.id]
    accounted = months.accounts.loc[months.accounts["entity_id"] == enterprise.id,
                                    ["month", "accounted_tco2"]]
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
        trend=_trend(rows.merge(accounted, on="month", how="left"), month),
        daily_profile=profile, profile_days=profile_days(own),
        tou_shares_kwh=tou_shares_kwh(priced),
        emissions_by_source_tco2=_emissions_by_source(rows, month),
        findings=findings.enterprise_findings(priced[priced["quality"] != "missing"], profile,
                                              quality, standing.change_pct, account,
                                              (add_months(month, 1) - month).days),
        data_quality=quality, carbon_account=account,
        is_new=not (rows["month"] < month).any(), through_day=through_day,
        contribution=contribution,
        intensity_scope2_method=str(rows["scope2_method"].iloc[0]) if len(rows) else "market")


def build_enterprise_scorecards(settings: Settings, month: dt.date, *,
                                now_utc: dt.datetime | None = None
                                ) -> list[EnterpriseScorecard]:
    """One card per enterprise in the config (in its order) for the local month starting on
    `month`. `now_utc` (default: the clock) ends the expected intervals of a running month,
    whose cards say the last day their data reaches (through_day)."""
    check_month(month)
    zone = settings.park.park.timezone
    now = now_utc or dt.datetime.now(dt.UTC)
    with connect_published(settings) as connection:
        months = read_months(connection, settings, month)
        intervals = read_intervals(connection, month)
        targets = {r.key: (r.target, r.target_op) for r in read_readiness(connection, month)}
        contributions = read_contributions(connection, month, targets)
    prices = tou_prices(settings, intervals["interval_start_utc"])
    standings = standings_of(settings, months, month)
    ranked = enterprises_ranked(months, month)
    expected = intervals_between(month, add_months(month, 1), zone, now)
    last_day = max(intervals["interval_start_local"]).date() if len(intervals) else None
    through = running_through(month, zone, now, last_day)
    return [_enterprise_card(settings, enterprise, month, months, intervals, prices,
                             standings[enterprise.id], ranked, expected, through,
                             contributions.get(enterprise.id))
            for enterprise in settings.park.enterprises]

