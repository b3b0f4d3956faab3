"""The park's rules for the annual assessment and the mid-term review of its enterprises
(年度考核 + 中期评估), config section `annual_assessment`: thresholds that lead to rewards or
constraints. Outcomes are tried in order, best first; an enterprise gets the first whose every
condition holds, so the last outcome should have none (it catches everyone else)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from jobs.common.config_types import Integer, Number, Strict


class AssessmentOutcome(StrEnum):
    REWARD = "reward"  # 资金奖励与荣誉
    RECOGNITION = "recognition"  # 通报表扬
    GOOD_STANDING = "good_standing"  # 合格
    REMINDER = "reminder"  # 提醒
    TALK = "talk"  # 约谈
    PRODUCTION_LIMIT = "production_limit"  # 限产
    LOSS_OF_PREFERENTIAL_POLICIES = "loss_of_preferential_policies"  # 取消优惠政策


class OutcomeRule(Strict):
    outcome: AssessmentOutcome
    # carbon intensity (tCO2/万元) fallen at least this % against the same months a year before
    min_intensity_fall_pct: Annotated[Number, Field(ge=-100, le=100)] | None = None
    # clean-energy share of its energy (PV, green power, certificates), at least
    min_clean_energy_share_pct: Annotated[Number, Field(ge=0, le=100)] | None = None
    # energy per output value (tce/万元) fallen at least this %
    min_efficiency_gain_pct: Annotated[Number, Field(ge=-100, le=100)] | None = None
    # red months of its scorecard lights in the period, at most
    max_red_months: Annotated[Integer, Field(ge=0, le=12)] | None = None
    # every target the enterprise has (cap, intensity path) met
    targets_met: bool | None = None


DEFAULT_OUTCOMES = [
    OutcomeRule(outcome=AssessmentOutcome.REWARD, min_intensity_fall_pct=5.0,
                min_clean_energy_share_pct=20.0, max_red_months=0, targets_met=True),
    OutcomeRule(outcome=AssessmentOutcome.GOOD_STANDING, max_red_months=2),
    OutcomeRule(outcome=AssessmentOutcome.REMINDER, max_red_months=5),
    OutcomeRule(outcome=AssessmentOutcome.TALK),
]


class AssessmentRules(Strict):
    outcomes: list[OutcomeRule] = DEFAULT_OUTCOMES
    # an enterprise without the data an assessment needs (no meter data, no output value)
    missing_data_outcome: AssessmentOutcome = AssessmentOutcome.REMINDER
    rules_source: Annotated[str, Field(min_length=3, max_length=300)] = (
        "park assessment rules (default: set your own)")
    # the Chinese reports' wording of it (jobs/common/config_text.py)
    rules_source_zh: Annotated[str, Field(min_length=3, max_length=300)] | None = None
    # months of a mid-term review: January to this month
    mid_term_through_month: Annotated[Integer, Field(ge=1, le=11)] = 6

    @model_validator(mode="after")
    def _catch_all(self) -> AssessmentRules:
        if not self.outcomes:
            raise ValueError("outcomes: at least one outcome is needed")
        last = self.outcomes[-1]
        conditions = [last.min_intensity_fall_pct, last.min_clean_energy_share_pct,
                      last.min_efficiency_gain_pct, last.max_red_months, last.targets_met]
        if any(c is not None for c in conditions):
            raise ValueError(f"outcomes[{len(self.outcomes) - 1}]({last.outcome}): the last "
                             "outcome must have no conditions, so that every enterprise gets one")
        return self
