"""`park admit APPLICATION`: assess one applicant, write its report (zh and en, HTML and PDF,
under <data root>/reports/admission/<application id>/) and land the decision (landing dataset
`admissions`, one row per assessment), so next year's admissions and the annual assessment can
use it. A re-run replaces the report and lands one more row (the latest wins when modelled)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from jobs.admission.application import load_application
from jobs.admission.assess import Assessment
from jobs.admission.decide import assess_application, binding_condition
from jobs.admission.park_baseline import ParkBaseline, park_baseline
from jobs.admission.report import admission_layout, reason_text
from jobs.admission.schemas import ADMISSIONS_SCHEMA
from jobs.common import landing
from jobs.common.settings import Settings, join_path
from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.pdf import layout_text
from jobs.scorecards.render_pool import render_card
from jobs.warehouse.reference_pv_yield import monthly_pv_yield_kwh_per_kwp


@dataclass(frozen=True)
class Admitted:
    assessment: Assessment
    park: ParkBaseline
    report_paths: list[str]


def admit(settings: Settings, application_path: Path, now_utc: dt.datetime | None = None,
          park: ParkBaseline | None = None) -> Admitted:
    """Raises ConfigError for a bad application (nothing written) and NoBaselineError when the
    warehouse has nothing to assess against."""
    application = load_application(application_path)
    park = park or park_baseline(settings)  # a queue reads the park once for all its files
    yield_year = float(monthly_pv_yield_kwh_per_kwp(settings.park).sum())
    assessment = assess_application(settings, application, park, yield_year)
    folder = join_path(settings.data_root, "reports", "admission", application.application_id)
    layouts = {language: admission_layout(assessment, park, language) for language in ("zh", "en")}
    with tempfile.TemporaryDirectory(prefix="admission-fonts-") as font_folder:
        fonts = fonts_for([layout_text(layout) for layout in layouts.values()], Path(font_folder))
        _, rendered, _ = render_card("admission", layouts, fonts, folder)
    paths = [path for language in rendered.values() for path in language.paths]
    _land(settings, assessment, now_utc or dt.datetime.now(dt.UTC))
    return Admitted(assessment, park, paths)


def _land(settings: Settings, assessment: Assessment, now_utc: dt.datetime) -> None:
    application = assessment.application
    binding = binding_condition(assessment)
    row = {
        "ts_utc": now_utc, "application_id": application.application_id,
        "applicant_name_zh": application.applicant.name_zh,
        "industry_code": application.applicant.industry_code,
        "outcome": assessment.outcome.value,
        "reasons": json.dumps([reason_text(r, "en") for r in assessment.reasons],
                              ensure_ascii=False),
        "emissions_tco2_per_year": assessment.footprint.emissions_tco2,
        "energy_tce_per_year": assessment.footprint.energy_tce,
        "park_indicator_without": assessment.effect.indicator_without,
        "park_indicator_with": assessment.effect.indicator_with,
        "green_power_mwh_condition": binding.green_power_mwh_per_year if binding else None,
        "pv_kwp_condition": binding.pv_kwp if binding else None,
        "calculation": "national_910"}
    table = pa.Table.from_pylist([row], schema=ADMISSIONS_SCHEMA)
    stamp = now_utc.strftime("%Y%m%dT%H%M%S")
    landing.write_partitioned(settings.landing_root, "admissions", table,
                              f"{application.application_id}-{stamp}")
