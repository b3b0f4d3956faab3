"""The assessment's outcome for one enterprise: the first of the park's outcome rules whose every
condition its figures meet (jobs/common/assessment_settings.py). A condition on a figure the
enterprise has no data for is not met, and says so."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.assessment.figures import EnterpriseFigures
from jobs.common.assessment_settings import AssessmentOutcome, AssessmentRules, OutcomeRule


@dataclass(frozen=True)
class Check:
    """One condition of one rule: the figure, the threshold, and whether it holds."""

    key: str  # intensity_fall / clean_energy_share / efficiency_gain / red_months / targets
    value: float | bool | None
    threshold: float | bool
    holds: bool


@dataclass(frozen=True)
class Judgement:
    enterprise_id: str
    outcome: AssessmentOutcome
    missing_data: bool
    checks: list[Check]  # the conditions of the rule that decided (or of the best one missed)
    best_missed: AssessmentOutcome | None  # the better outcome it came closest to


def _at_least(key: str, value: float | None, threshold: float) -> Check:
    return Check(key, value, threshold, value is not None and value >= threshold)


def checks_of(rule: OutcomeRule, figures: EnterpriseFigures) -> list[Check]:
    checks = []
    if rule.min_intensity_fall_pct is not None:
        checks.append(_at_least("intensity_fall", figures.intensity_fall_pct,
                                rule.min_intensity_fall_pct))
    if rule.min_clean_energy_share_pct is not None:
        checks.append(_at_least("clean_energy_share", figures.clean_energy_share_pct,
                                rule.min_clean_energy_share_pct))
    if rule.min_efficiency_gain_pct is not None:
        checks.append(_at_least("efficiency_gain", figures.efficiency_gain_pct,
                                rule.min_efficiency_gain_pct))
    if rule.max_red_months is not None:
        checks.append(Check("red_months", figures.red_months, rule.max_red_months,
                            figures.red_months <= rule.max_red_months))
    if rule.targets_met is not None:
        checks.append(Check("targets", figures.targets_met, rule.targets_met,
                            figures.targets_met is rule.targets_met))
    return checks


def judge(figures: EnterpriseFigures, rules: AssessmentRules) -> Judgement:
    if figures.missing_data:
        return Judgement(figures.enterprise_id, rules.missing_data_outcome, True, [], None)
    best_missed: tuple[AssessmentOutcome, list[Check]] | None = None
    for rule in rules.outcomes:
        checks = checks_of(rule, figures)
        if all(check.holds for check in checks):
            missed = best_missed[0] if best_missed else None
            shown = checks if best_missed is None else best_missed[1]
            return Judgement(figures.enterprise_id, rule.outcome, False, shown, missed)
        if best_missed is None:
            best_missed = (rule.outcome, checks)
    raise AssertionError("the last outcome rule has no conditions (config validation)")
