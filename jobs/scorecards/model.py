"""What a scorecard says, as plain data: the contract between the warehouse queries
(data.py, findings.py) and the renderers (HTML, PDF, charts). Numbers carry their unit in the
name; texts are not here (i18n.py words them in Chinese or English from keys and params)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from jobs.couplings.card import CouplingCard

LIGHTS = ("green", "amber", "red", "grey")  # grey: no target or no data to judge


@dataclass(frozen=True)
class Figure:
    """A headline figure with its comparisons (None where there is nothing to compare)."""

    key: str  # e.g. electricity_kwh, energy_tce, scope2_location_tco2 (i18n names it)
    value: float | None
    unit: str
    previous_month: float | None = None
    same_month_last_year: float | None = None

    @staticmethod
    def _change_pct(now: float | None, before: float | None) -> float | None:
        if now is None or before is None or before == 0:
            return None
        return 100.0 * (now - before) / abs(before)

    @property
    def change_vs_previous_month_pct(self) -> float | None:
        return self._change_pct(self.value, self.previous_month)

    @property
    def change_vs_last_year_pct(self) -> float | None:
        return self._change_pct(self.value, self.same_month_last_year)


@dataclass(frozen=True)
class TargetStatus:
    key: str  # annual_cap_tco2 / intensity_path_tco2_per_10k_cny / ...
    target: float | None
    actual: float | None  # year to date, or the month for monthly targets
    projected: float | None  # year-end at the pace so far, where the target is annual
    unit: str
    light: str  # LIGHTS


@dataclass(frozen=True)
class Finding:
    """A data-derived observation or recommendation; i18n words it from key and params."""

    key: str  # e.g. peak_share, night_base_load, shift_to_valley_saving, data_gaps
    params: Mapping[str, float | str]
    severity: str  # info / saving / warning


@dataclass(frozen=True)
class DataQuality:
    intervals_expected: int
    intervals_measured: int
    intervals_estimated: int
    intervals_missing: int

    @property
    def complete_pct(self) -> float:
        if self.intervals_expected == 0:
            return 0.0
        return 100.0 * self.intervals_measured / self.intervals_expected


@dataclass(frozen=True)
class CarbonAccount:
    month_tco2: float | None
    year_to_date_tco2: float | None
    allowances_tco2: float | None  # held (allocated + bought - sold); None: none recorded
    surplus_tco2: float | None  # allowances - year to date
    projected_surplus_tco2: float | None  # at year end, at the pace so far
    status: str  # surplus / deficit_projected / deficit / no_allowances
    # the park's coupling incentive, year to date (fct_enterprise_carbon_accounts): a park
    # reward, shown beside the ETS allowances, never added to them
    coupling_reward_ytd_tco2: float | None = None
    coupling_subsidy_ytd_cny: float | None = None


@dataclass(frozen=True)
class ReadinessRow:
    """One of the six indicators of the national acceptance (fct_park_acceptance_readiness),
    year to date through `through_month`."""

    key: str
    name_zh: str
    name_en: str
    is_core: bool
    calculation: str  # national_910 / guiding_inbox
    value: float | None
    unit: str  # tCO2/tce or %
    target: float | None
    target_op: str  # <= / >=
    target_source: str
    status: str  # meets / misses / not_measured / not_applicable: why / not_assessed: why
    gap: float | None  # in the indicator's unit, > 0 = short of the target
    close_quantity: float | None  # what closes the year-to-date gap, in close_unit
    close_unit: str | None
    close_action_zh: str | None
    close_action_en: str | None
    close_quantity_year_end: float | None  # the same for the whole year at the pace so far
    close_cost_cny: float | None
    close_pv_kwp: float | None
    months_left: int
    through_month: dt.date
    limit_set_nationally: bool | None = None
    closable_by_certificates: bool | None = None
    direct_green_share_pct: float | None = None  # core only: direct green supply / consumed
    direct_green_share_if_closed_pct: float | None = None  # if direct supply closed the gap
    target_source_zh: str | None = None  # the park's Chinese wording of a configured source

    @property
    def light(self) -> str:
        return {"meets": "green", "misses": "red"}.get(self.status, "grey")


@dataclass(frozen=True)
class GuidingFigure:
    """An enterprise's own figure for a guiding indicator, where it reports one."""

    key: str  # unit_product_energy / water_reuse / waste_heat_utilisation / ...
    value: float | None
    unit: str  # % or kgce per the product's output unit
    period_start: dt.date
    period_end: dt.date  # the first day of the last month included
    product_zh: str | None = None  # unit product energy: which product
    product_en: str | None = None
    target: float | None = None  # a product's grade-2 limit; a rate: the park's target
    target_op: str = ""  # <= / >=
    status: str | None = None  # meets / misses / not_assessed; None: nothing to judge by


@dataclass(frozen=True)
class EnterpriseContribution:
    """An enterprise's part in the park's national assessment (fct_enterprise_national_
    contribution): its national-method emissions and share, month and year to date."""

    month_tco2: float | None
    month_share_pct: float | None
    ytd_tco2: float | None
    ytd_share_pct: float | None
    guiding: list[GuidingFigure] = field(default_factory=list)


@dataclass(frozen=True)
class EnterpriseScorecard:
    enterprise_id: str
    name_zh: str
    name_en: str
    month: dt.date  # the first day of the month
    headline: list[Figure]
    targets: list[TargetStatus]
    overall_light: str
    rank_by_intensity: int | None  # 1 = lowest tCO2/万元 among the ranked enterprises
    rank_by_improvement: int | None  # 1 = largest reduction of intensity on the month before
    enterprises_ranked: int
    trend: pd.DataFrame  # last 12 months: month, electricity_kwh, tco2, intensity_tco2_per_10k_cny
    daily_profile: pd.DataFrame  # local time of day (HH:MM): load_kw, pv_kw (mean over the month)
    tou_shares_kwh: pd.Series  # TOU period -> kWh in the month
    emissions_by_source_tco2: pd.Series  # source (electricity, natural_gas, ...) -> tCO2
    findings: list[Finding]
    data_quality: DataQuality
    carbon_account: CarbonAccount
    is_new: bool = False  # no month before this one: comparisons say so, not "0 %"
    profile_days: tuple[dt.date, dt.date] | None = None  # first and last local day averaged
    through_day: dt.date | None = None  # a month still running: its data ends on this day
    contribution: EnterpriseContribution | None = None  # to the park's national assessment
    intensity_scope2_method: str = "market"  # core_indicator_scope2_method, as in the mart


@dataclass(frozen=True)
class IndicatorRow:
    """One national zero-carbon-park indicator (zero_carbon_park_indicators.csv)."""

    key: str
    name_zh: str
    name_en: str
    value: float | None  # None: not measured by the platform
    unit: str
    target: str  # as the reference states it (a threshold or a direction)
    status: str  # met / not_met / not_measured


@dataclass(frozen=True)
class FlaggedEnterprise:
    enterprise_id: str
    name_zh: str
    name_en: str
    action: str  # warning / penalty (configured rule)
    rule: str  # which rule, e.g. red_two_months
    detail: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParkScorecard:
    park_id: str
    name_zh: str
    name_en: str
    month: dt.date
    core_indicator_month: float | None  # tCO2/tce
    core_indicator_year_to_date: float | None
    core_indicator_rolling_12m: float | None
    core_indicator_limit: float | None  # for the park's size band
    core_indicator_light: str
    indicators: list[IndicatorRow]
    headline: list[Figure]  # energy balance, absorption, self-sufficiency, peak, emissions
    dispatch_saving_cny: float | None  # plans in force against their rule-based baselines
    league: pd.DataFrame  # enterprise_id, name_zh, name_en, intensity, change_pct, light, rank
    flagged: list[FlaggedEnterprise]
    trajectory: pd.DataFrame  # park_cards.TRAJECTORY_COLUMNS: whole years, this year
    # annualised, the path (peak, then to 0)
    data_quality: DataQuality
    through_day: dt.date | None = None  # a month still running: its data ends on this day
    # the month's Scope 1 + location-based Scope 2 by consumer kind: enterprise, park_common,
    # losses_unallocated (the park's headline emissions are their sum)
    emissions_by_kind_tco2: dict[str, float] = field(default_factory=dict)
    core_scope2_method: str = "market"  # the core indicator's Scope 2 method (dbt var)
    readiness: list[ReadinessRow] = field(default_factory=list)  # the acceptance section
    # the circular-coupling map, incentives and suggestions (jobs/couplings/card.py)
    couplings: CouplingCard | None = None
