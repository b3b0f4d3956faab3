"""The annual assessment's rules at their thresholds, on hand-made monthly figures.

alpha, 2025: every month 100 tCO2 on 100 万元 of output (1.0 tCO2/万元), 50 tce (0.5 tce/万元);
2026: every month 75 tCO2 (cap basis 80) on 100 万元 (0.75: a 25 % fall), 45 tce (0.45: a 10 %
gain), a quarter of its energy clean (25 %). Targets: a cap of 1,000 t (2026: 960 t) and an
intensity path from 1.0 in 2025 falling 10 % a year (2026: 0.9): both met, no red month.
beta: the same months, but a cap of 500 t: the year-end projection (960 t) is red every month.
gamma: meter data but no output value reported: missing data.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.assessment.figures import Period, enterprise_figures
from jobs.assessment.judge import judge
from jobs.common.assessment_settings import AssessmentRules
from tests.conftest import settings_for
from tests.jobs.warehouse.hand_park import alpha_beta_devices, park_section

YEAR = 2026


def _months(enterprise_id: str, year: int, emissions: float, energy: float, clean_pct: float,
            output: float | None) -> list[dict]:
    """Its carbon account (the cap's basis, as the scorecards judge it) accounts 5 t a month
    more than its emissions; the account projects the year at the pace of the days so far."""
    rows = []
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        to_date = (emissions + 5) * month
        days = (following - dt.date(year, 1, 1)).days
        rows.append({"entity_id": enterprise_id, "month": first, "emissions_tco2": emissions,
                     "ytd_accounted_tco2": to_date, "projected_year_tco2": to_date / days * 365,
                     "energy_tce": energy, "clean_energy_share_pct": clean_pct,
                     "output_value_10k_cny": output,
                     "intervals": (following - first).days * 96})
    return rows


def _frame() -> pd.DataFrame:
    rows = []
    for enterprise_id in ("alpha", "beta"):
        rows += _months(enterprise_id, YEAR - 1, 100, 50, 10, 100)
        rows += _months(enterprise_id, YEAR, 75, 45, 25, 100)
    rows += _months("gamma", YEAR, 75, 45, 25, None)
    return pd.DataFrame(rows)


def _settings(tmp_path, outcomes: list[dict] | None = None):
    targets = {"intensity_base_year": 2025, "intensity_base_tco2_per_10k_cny": 1.0,
               "intensity_reduction_pct_per_year": 10}
    park = {"park": park_section("assess", "考核园", "Assessment Park"),
            "enterprises": [
                {"id": "alpha", "name_zh": "甲", "name_en": "Alpha", "industry": "textile",
                 "targets": {"annual_cap_tco2": 1000, **targets}},
                {"id": "beta", "name_zh": "乙", "name_en": "Beta", "industry": "textile",
                 "targets": {"annual_cap_tco2": 500}},
                {"id": "gamma", "name_zh": "丙", "name_en": "Gamma", "industry": "textile"}],
            "devices": alpha_beta_devices()}
    if outcomes is not None:
        park["annual_assessment"] = {"outcomes": outcomes}
    return settings_for(park, tmp_path)


def _figures(settings, enterprise_id: str, period: Period | None = None):
    enterprise = next(e for e in settings.park.enterprises if e.id == enterprise_id)
    return enterprise_figures(settings, enterprise, _frame(),
                              period or Period("annual", YEAR, 12))


def test_the_figures_by_hand(tmp_path):
    alpha = _figures(_settings(tmp_path), "alpha")
    assert alpha.intensity_tco2_per_10k_cny == 0.75
    assert alpha.previous_intensity_tco2_per_10k_cny == 1.0
    assert alpha.intensity_fall_pct == 25.0
    assert alpha.efficiency_gain_pct == pytest.approx(10.0)
    assert alpha.clean_energy_share_pct == pytest.approx(25.0)
    assert alpha.cap_basis_tco2 == 960 and alpha.intensity_target == pytest.approx(0.9)
    assert alpha.targets_met is True and alpha.red_months == 0
    beta = _figures(_settings(tmp_path), "beta")
    assert beta.red_months == 12 and beta.targets_met is False


def test_the_default_rules(tmp_path):
    settings = _settings(tmp_path)
    rules = settings.park.annual_assessment
    assert judge(_figures(settings, "alpha"), rules).outcome == "reward"
    beta = judge(_figures(settings, "beta"), rules)
    assert beta.outcome == "talk"  # 12 red months: more than the reminder's 5
    # what the reward would have taken, each condition with its figure
    assert beta.best_missed == "reward"
    assert {c.key: c.holds for c in beta.checks} == {
        "intensity_fall": True, "clean_energy_share": True, "red_months": False,
        "targets": False}
    gamma = judge(_figures(settings, "gamma"), rules)
    assert (gamma.outcome, gamma.missing_data) == ("reminder", True)


@pytest.mark.parametrize(("threshold", "outcome"), [(25.0, "reward"), (25.001, "reminder")])
def test_the_intensity_fall_at_its_threshold(tmp_path, threshold, outcome):
    settings = _settings(tmp_path, [{"outcome": "reward", "min_intensity_fall_pct": threshold},
                                    {"outcome": "reminder"}])
    assert judge(_figures(settings, "alpha"), settings.park.annual_assessment).outcome == outcome


@pytest.mark.parametrize(("threshold", "outcome"), [(12, "good_standing"), (11, "talk")])
def test_red_months_at_their_threshold(tmp_path, threshold, outcome):
    settings = _settings(tmp_path, [{"outcome": "good_standing", "max_red_months": threshold},
                                    {"outcome": "talk"}])
    assert judge(_figures(settings, "beta"), settings.park.annual_assessment).outcome == outcome


@pytest.mark.parametrize(("threshold", "outcome"), [(25.0, "recognition"),
                                                    (25.01, "good_standing")])
def test_the_clean_energy_share_at_its_threshold(tmp_path, threshold, outcome):
    settings = _settings(tmp_path, [
        {"outcome": "recognition", "min_clean_energy_share_pct": threshold},
        {"outcome": "good_standing"}])
    assert judge(_figures(settings, "alpha"), settings.park.annual_assessment).outcome == outcome


def test_the_mid_term_review_projects_the_cap(tmp_path):
    # January to June 2026: 6 x 80 = 480 t so far; the account's projection at that pace,
    # 480 x 365/181 = 967.96 t, is what the cap is judged on
    alpha = _figures(_settings(tmp_path), "alpha", Period("mid_term", YEAR, 6))
    days_so_far = (dt.date(2026, 7, 1) - dt.date(2026, 1, 1)).days
    assert alpha.cap_basis_tco2 == pytest.approx(480 * 365 / days_so_far)
    assert alpha.intensity_fall_pct == 25.0 and alpha.months_with_data == 6


def test_the_last_outcome_must_catch_everyone():
    with pytest.raises(ValueError, match="the last outcome must have no conditions"):
        AssessmentRules.model_validate({"outcomes": [{"outcome": "reward",
                                                      "max_red_months": 0}]})



