"""The park's monthly card: the core indicator, the guiding indicators, the energy balance,
the dispatch saving, the league table, the enterprises flagged and the path to peak and
neutrality."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.settings import Settings
from jobs.couplings.card import read_coupling_card
from jobs.scorecards import lights
from jobs.scorecards.model import (
    DataQuality,
    Figure,
    FlaggedEnterprise,
    IndicatorRow,
    ParkScorecard,
)
from jobs.scorecards.national import read_readiness
from jobs.scorecards.periods import (
    add_months,
    check_month,
    comparable_months,
    intervals_between,
    running_through,
)
from jobs.scorecards.reads import (
    DISPATCH_SAVING_SQL,
    EMISSIONS_BY_KIND_SQL,
    LAST_DAY_SQL,
    PARK_QUALITY_SQL,
    Months,
    read_months,
    value_or_none,
)
from jobs.scorecards.standings import (
    Standing,
    column_by_month,
    dr_figures,
    month_figure,
    standings_of,
)
from jobs.warehouse.published import connect_published

# Guiding indicators of the national system the platform measures: slug of the reference's
# English name -> the park's monthly column (judged year to date, as the indicators are annual).
MEASURED_INDICATORS = {"clean_energy_share_of_consumption": "clean_energy_share_pct"}
TARGET_SIGNS = {">=": "≥", "<=": "≤"}


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


def _park_headline(park: pd.DataFrame, months: Months, month: dt.date,
                   zone: str) -> list[Figure]:
    spec = [("grid_import_kwh", "kWh", "grid_import_kwh"),
            ("grid_export_kwh", "kWh", "grid_export_kwh"),
            ("direct_green_import_kwh", "kWh", "direct_green_import_kwh"),
            ("pv_generation_kwh", "kWh", "pv_generation_kwh"),
            ("consumption_kwh", "kWh", "electricity_kwh"),
            ("renewable_absorption_pct", "%", "renewable_absorption_pct"),
            ("self_sufficiency_pct", "%", "self_sufficiency_pct"),
            ("peak_import_kw", "kW", "peak_import_kw"), ("energy_tce", "tce", "energy_tce"),
            ("scope1_tco2", "tCO2", "scope1_tco2"),
            ("scope2_location_tco2", "tCO2", "scope2_location_tco2"),
            ("scope2_market_tco2", "tCO2", "scope2_market_tco2")]
    dr_events, dr_income = dr_figures(months, None, set(park["month"]))
    comparable = comparable_months(park, zone)
    return [*(month_figure(key, unit, column_by_month(park, column), month, comparable)
              for key, unit, column in spec),
            month_figure("dr_events", "events", dr_events, month),
            month_figure("dr_income_cny", "CNY", dr_income, month)]


TRAJECTORY_COLUMNS = ["year", "actual_tco2", "months_with_data", "projected_tco2",
                      "days_measured", "path_tco2"]


def trajectory(park: pd.DataFrame, month: dt.date, settings: Settings,
               intervals_to_date: int) -> pd.DataFrame:
    """TRAJECTORY_COLUMNS from the first year with data to the neutrality year, of the core
    indicator's emissions (Scope 1 + Scope 2 by its method, fct_park_monthly_kpis).

    actual_tco2: a whole year's emissions, only for a year before the card's with all 12
    months (a few days are no year's level); months_with_data says how many a year has.
    projected_tco2: the card's year annualised, as the carbon accounts project (emitted so
    far / quarter-hours with data x the year's quarter-hours: lights.year_end_projection over
    `intervals_to_date`, the year's balance intervals whose consumer split is complete), and
    days_measured (those quarter-hours / 96) so that the chart says from how many days.
    path_tco2: from the card's year, that projection held level up to the peak year (no
    growth past today's level), then falling linearly to zero in the neutrality year."""
    targets = settings.park.targets
    zone = settings.park.park.timezone
    past = park[park["month"] <= month]
    first_year = min(past["month"]).year if len(past) else month.year
    years = list(range(first_year, max(targets.neutrality_year, month.year) + 1))
    ytd = _year_to_date(park, month)
    in_year = intervals_between(dt.date(month.year, 1, 1), dt.date(month.year + 1, 1, 1), zone)
    start_level = lights.year_end_projection(
        float(ytd["core_indicator_tco2"].sum()), intervals_to_date, in_year) \
        if len(ytd) else None
    peak_year = max(targets.peak_year, month.year)
    rows = []
    for year in years:
        held = past[[m.year == year for m in past["month"]]]
        whole = year < month.year and len(held) == 12
        path = None
        if start_level is not None and year >= month.year:
            if year <= peak_year:
                path = start_level
            elif year < targets.neutrality_year:
                path = start_level * (targets.neutrality_year - year) \
                    / (targets.neutrality_year - peak_year)
            else:
                path = 0.0
        current = year == month.year and start_level is not None
        rows.append({"year": year,
                     "actual_tco2": float(held["core_indicator_tco2"].sum()) if whole else None,
                     "months_with_data": len(held),
                     "projected_tco2": start_level if current else None,
                     "days_measured": intervals_to_date / 96.0 if current else None,
                     "path_tco2": path})
    return pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS)


def _league(settings: Settings, standings: Mapping[str, Standing]) -> pd.DataFrame:
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


def _flagged(settings: Settings, standings: Mapping[str, Standing]) -> list[FlaggedEnterprise]:
    flags = (lights.flag(e.id, e.name_zh, e.name_en, standings[e.id].red_months,
                         settings.park.scorecards) for e in settings.park.enterprises)
    return [f for f in flags if f is not None]


def build_park_scorecard(settings: Settings, month: dt.date, *,
                         now_utc: dt.datetime | None = None) -> ParkScorecard:
    """The park's card for the local month starting on `month`: the core indicator (month,
    year to date = the year's emissions over its tce, rolling 12 months as the mart has it,
    the limit of the park's size band; the light judges the rolling 12 months), the guiding
    indicators, the energy balance, the dispatch saving (baseline minus objective, summed
    over the runs in force for the month's days; None without plans), the league table, the
    enterprises flagged by consecutive red months, and the acceptance-readiness rows of the
    year to date (fct_park_acceptance_readiness)."""
    check_month(month)
    zone = settings.park.park.timezone
    now = now_utc or dt.datetime.now(dt.UTC)
    park_info = settings.park.park
    with connect_published(settings) as connection:
        months = read_months(connection, settings, month)
        reference = to_frame(connection.execute("select * from zero_carbon_park_indicators"))
        balance = connection.execute(PARK_QUALITY_SQL, [month, add_months(month, 1)]).fetchone()
        year = connection.execute(PARK_QUALITY_SQL, [dt.date(month.year, 1, 1),
                                                     add_months(month, 1)]).fetchone()
        saving = connection.execute(DISPATCH_SAVING_SQL, [month, add_months(month, 1)]) \
            .fetchone()
        by_kind = dict(connection.execute(EMISSIONS_BY_KIND_SQL, [month]).fetchall())
        last_day = connection.execute(LAST_DAY_SQL, [month, add_months(month, 1)]).fetchone()
        readiness = read_readiness(connection, month,
                                   settings.park.targets.national_limit_source_zh)
        couplings = read_coupling_card(connection, settings, month)
    park = months.park
    current = park[park["month"] == month]
    row = current.iloc[0] if len(current) else None
    ytd = _year_to_date(park, month)
    rolling = None if row is None else value_or_none(row["rolling_12m_core_indicator_tco2_per_tce"])
    limit = None if row is None else value_or_none(row["core_indicator_limit_tco2_per_tce"])
    standings = standings_of(settings, months, month)
    present, estimated, unexplained = (int(v) for v in balance) if balance else (0, 0, 0)
    expected = intervals_between(month, add_months(month, 1), zone, now)
    return ParkScorecard(
        park_id=park_info.id, name_zh=park_info.name_zh, name_en=park_info.name_en,
        month=month,
        core_indicator_month=None if row is None
        else value_or_none(row["core_indicator_tco2_per_tce"]),
        core_indicator_year_to_date=_ratio(float(ytd["core_indicator_tco2"].sum()),
                                           float(ytd["energy_tce"].sum())) if len(ytd) else None,
        core_indicator_rolling_12m=rolling, core_indicator_limit=limit,
        core_indicator_light=lights.upper_limit_light(rolling, limit,
                                                      settings.park.scorecards.amber_margin_pct),
        indicators=guiding_indicators(reference, park, month),
        headline=_park_headline(park, months, month, zone),
        dispatch_saving_cny=value_or_none(saving[1]) if saving and saving[0] else None,
        league=_league(settings, standings), flagged=_flagged(settings, standings),
        trajectory=trajectory(park, month, settings,
                              int(year[0]) - int(year[2]) if year else 0),
        data_quality=DataQuality(expected, present - estimated - unexplained, estimated,
                                 max(expected - present, 0) + unexplained),
        through_day=running_through(month, zone, now, last_day[0] if last_day else None),
        emissions_by_kind_tco2={str(k): float(v) for k, v in by_kind.items() if v is not None},
        core_scope2_method=str(row["core_indicator_scope2_method"]) if row is not None
        else "market",
        readiness=readiness, couplings=couplings)
