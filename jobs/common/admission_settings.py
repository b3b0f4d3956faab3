"""The park's low-carbon admission rules (低碳准入), config section `admission`: what a new
tenant is assessed against (jobs/admission). Every threshold names its source, because an
applicant refused on a number will ask where the number comes from."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jobs.common.config_types import Number, Strict

SourceText = Annotated[str, Field(min_length=3, max_length=300)]
IndustryCode = Annotated[str, Field(pattern=r"^[A-T]\d{0,4}$")]  # GB/T 4754 section + digits


class AdmissionRules(Strict):
    # the applicant's own carbon intensity, national method, tCO2 per 10,000 CNY of output
    max_carbon_intensity_tco2_per_10k_cny: Annotated[Number, Field(gt=0, le=100)] = 0.5
    max_carbon_intensity_source: SourceText = "park admission rule (default: set your own)"
    max_carbon_intensity_source_zh: SourceText | None = None  # jobs/common/config_text.py
    # GB/T 4754 codes or prefixes ("C26" all chemicals, "C2614" one class)
    priority_industries: list[IndustryCode] = []
    excluded_industries: list[IndustryCode] = []
    excluded_industries_source: SourceText = "park admission rule"
    excluded_industries_source_zh: SourceText | None = None  # jobs/common/config_text.py
    # every product at or better than grade 2 (二级) of its national limit standard
    products_must_meet_grade2: bool = True
    # an applicant that would raise the park's core indicator is admitted only on condition
    # that it buys green power or builds PV to stay neutral to it
    must_stay_neutral_to_core_indicator: bool = True
    # usable rooftop PV per m2 of roof (spacing, set-backs, shading): 0.10-0.18 kWp/m2 is the
    # common planning range for flat C&I roofs
    roof_pv_kwp_per_m2: Annotated[Number, Field(gt=0, le=0.25)] = 0.12
    roof_pv_source: SourceText = "planning default for flat C&I roofs (0.10-0.18 kWp/m2)"
    roof_pv_source_zh: SourceText | None = None  # jobs/common/config_text.py
