"""Each enterprise's figures for an assessment period (the year, or January to the mid-term
month) against the same months a year before, from fct_enterprise_monthly_kpis (each
enterprise's own account: Scope 1 + market-based Scope 2, energy at 当量值; the calculation is
named in the report). The scorecards' monthly lights give its red months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.park_config import Enterprise
from jobs.common.settings import Settings
from jobs.scorecards.lights import intensity_path_target, monthly_standings, year_end_projection
from jobs.warehouse.published import connect_published

QUARTER_HOURS_PER_DAY = 96
CALCULATION = "enterprise_scope_1_2_market"


@dataclass(frozen=True)
class Period:
    kind: str  # annual / mid_term
    year: int
    through_month: int  # 12 for the annual assessment

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.through_month, 1)

    @property
    def label(self) -> str:
        return f"{self.year}-{self.kind}"


@dataclass(frozen=True)
class EnterpriseFigures:
    enterprise_id: str
    months_in_period: int
    months_with_data: int
    months_with_output: int
    emissions_tco2: float | None
    energy_tce: float | None
    clean_energy_share_pct: float | None
    intensity_tco2_per_10k_cny: float | None
    previous_intensity_tco2_per_10k_cny: float | None
    energy_per_10k_cny_tce: float | None
    previous_energy_per_10k_cny_tce: float | None
    red_months: int
    cap_tco2: float | None
    cap_basis_tco2: float | None  # the year's (annual) or its year-end projection (mid-term)
    intensity_target: float | None
    targets_met: bool | None  # None: the enterprise has no targets

    @property
    def intensity_fall_pct(self) -> float | None:
        return _fall(self.previous_intensity_tco2_per_10k_cny, self.intensity_tco2_per_10k_cny)

    @property
    def efficiency_gain_pct(self) -> float | None:
        return _fall(self.previous_energy_per_10k_cny_tce, self.energy_per_10k_cny_tce)

    @property
    def missing_data(self) -> bool:
        return self.months_with_data == 0 or self.months_with_output == 0


def _fall(before: float | None, now: float | None) -> float | None:
    if before is None or now is None or before <= 0:
        return None
    return 100.0 * (before - now) / before


MONTHS_SQL = """
    select entity_id, month, emissions_tco2, scope1_tco2 + scope2_location_tco2 as cap_basis_tco2,
           energy_tce, clean_energy_share_pct, output_value_10k_cny, intervals
    from fct_enterprise_monthly_kpis
    where entity_kind = 'enterprise' and month between ? and ?
"""


def read_months(settings: Settings, period: Period) -> pd.DataFrame:
    with connect_published(settings) as connection:
        frame = to_frame(connection.execute(MONTHS_SQL, [dt.date(period.year - 1, 1, 1),
                                                         period.last]))
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def _ratio(rows: pd.DataFrame, column: str) -> float | None:
    reported = rows[rows["output_value_10k_cny"].fillna(0) > 0]
    if reported.empty:
        return None
    return float(reported[column].sum()) / float(reported["output_value_10k_cny"].sum())


def _quarter_hours_left(month: dt.date) -> int:
    following = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (dt.date(month.year + 1, 1, 1) - following).days * QUARTER_HOURS_PER_DAY


def enterprise_figures(settings: Settings, enterprise: Enterprise, months: pd.DataFrame,
                       period: Period) -> EnterpriseFigures:
    own = months[months["entity_id"] == enterprise.id]
    now = own[(own["month"] >= period.first) & (own["month"] <= period.last)]
    before = own[(own["month"] >= dt.date(period.year - 1, 1, 1))
                 & (own["month"] <= dt.date(period.year - 1, period.through_month, 1))]
    with_data = now[now["intervals"] > 0]
    energy = float(with_data["energy_tce"].sum()) if len(with_data) else None
    clean_tce = float((with_data["clean_energy_share_pct"].fillna(0) / 100.0
                       * with_data["energy_tce"]).sum()) if len(with_data) else None
    history = now.assign(intervals_left_in_year=now["month"].map(_quarter_hours_left))
    standings = monthly_standings(history, enterprise.targets, settings.park.scorecards)
    red_months = sum(1 for s in standings.values() if s.overall == "red")
    targets = enterprise.targets
    cap_basis = None
    if len(with_data):
        so_far = float(with_data["cap_basis_tco2"].sum())
        cap_basis = so_far if period.through_month == 12 else year_end_projection(
            so_far, int(with_data["intervals"].sum()), _quarter_hours_left(period.last))
    intensity = _ratio(now, "emissions_tco2")
    intensity_target = intensity_path_target(targets, period.year)
    checks = []
    if targets.annual_cap_tco2 is not None:
        checks.append(cap_basis is not None and cap_basis <= targets.annual_cap_tco2)
    if intensity_target is not None:
        checks.append(intensity is not None and intensity <= intensity_target)
    return EnterpriseFigures(
        enterprise_id=enterprise.id, months_in_period=period.through_month,
        months_with_data=len(with_data),
        months_with_output=int((now["output_value_10k_cny"].fillna(0) > 0).sum()),
        emissions_tco2=float(with_data["emissions_tco2"].sum()) if len(with_data) else None,
        energy_tce=energy,
        clean_energy_share_pct=(100.0 * clean_tce / energy
                                if energy and clean_tce is not None else None),
        intensity_tco2_per_10k_cny=intensity,
        previous_intensity_tco2_per_10k_cny=_ratio(before, "emissions_tco2"),
        energy_per_10k_cny_tce=_ratio(now, "energy_tce"),
        previous_energy_per_10k_cny_tce=_ratio(before, "energy_tce"),
        red_months=red_months, cap_tco2=targets.annual_cap_tco2, cap_basis_tco2=cap_basis,
        intensity_target=intensity_target,
        targets_met=all(checks) if checks else None)

