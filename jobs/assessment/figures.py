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
from jobs.scorecards.lights import intensity_path_target, monthly_standings
from jobs.warehouse.published import connect_published

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
    cap_basis_tco2: float | None  # the account's year (annual) or its projection (mid-term)
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


# the cap is judged as the scorecards judge it: on the carbon account's year to date and
# year-end projection (fct_enterprise_carbon_accounts), so a red month here is a red card there
MONTHS_SQL = """
    select kpis.entity_id, kpis.month, kpis.emissions_tco2, kpis.energy_tce,
           kpis.clean_energy_share_pct, kpis.output_value_10k_cny, kpis.intervals,
           accounts.ytd_accounted_tco2, accounts.projected_year_tco2
    from fct_enterprise_monthly_kpis as kpis
    left join fct_enterprise_carbon_accounts as accounts
        on accounts.entity_id = kpis.entity_id and accounts.month = kpis.month
    where kpis.entity_kind = 'enterprise' and kpis.month between ? and ?
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
    standings = monthly_standings(now, enterprise.targets, settings.park.scorecards)
    red_months = sum(1 for s in standings.values() if s.overall == "red")
    targets = enterprise.targets
    last = now[now["month"] == now["month"].max()] if len(now) else now
    # the year's account (annual) or its year-end projection at the pace so far (mid-term)
    column = "ytd_accounted_tco2" if period.through_month == 12 else "projected_year_tco2"
    cap_basis = float(last[column].iloc[0]) if len(last) and pd.notna(last[column].iloc[0]) \
        else None
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

