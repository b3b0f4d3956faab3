"""The annual assessment and the mid-term review (年度考核 + 中期评估) of every enterprise: figures
from the warehouse, the park's outcome rules, one report per enterprise and one for the park
office (zh and en, HTML and PDF, under <data root>/reports/assessment/<year>-<kind>/), sent to
the enterprise's contacts and the park office (the send log keeps a re-run from sending twice),
and the outcomes landed (dataset `enterprise_assessments`; modelled as
fct_enterprise_assessments) for next year's admissions and incentives."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from jobs.assessment.figures import (
    CALCULATION,
    EnterpriseFigures,
    Period,
    enterprise_figures,
    read_months,
)
from jobs.assessment.judge import Judgement, judge
from jobs.assessment.report import enterprise_layout, park_layout
from jobs.assessment.schemas import ASSESSMENTS_SCHEMA
from jobs.common import landing
from jobs.common.config_errors import ConfigError
from jobs.common.config_text import localised
from jobs.common.park_config import Enterprise
from jobs.common.settings import Settings, join_path
from jobs.enterprise_plan.inputs import NoEnterpriseDataError
from jobs.enterprise_plan.plan import EnterprisePlan, build_plan
from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.mail import DeliveryReport, SmtpSender, deliver
from jobs.scorecards.mime import Message
from jobs.scorecards.pdf import layout_text
from jobs.scorecards.render_pool import Rendered, render_card

LANGUAGES = ("zh", "en")
def annual(year: int) -> Period:
    return Period("annual", year, 12)


def mid_term(settings: Settings, year: int) -> Period:
    return Period("mid_term", year, settings.park.annual_assessment.mid_term_through_month)


@dataclass(frozen=True)
class AssessmentRun:
    period: Period
    rows: list[tuple[Enterprise, EnterpriseFigures, Judgement]]
    kept: list[str]
    delivery: DeliveryReport


def assess_enterprises(settings: Settings, period: Period
                       ) -> list[tuple[Enterprise, EnterpriseFigures, Judgement]]:
    months = read_months(settings, period)
    rules = settings.park.annual_assessment
    rows = []
    for enterprise in settings.park.enterprises:
        figures = enterprise_figures(settings, enterprise, months, period)
        rows.append((enterprise, figures, judge(figures, rules)))
    return rows


def run_assessment(settings: Settings, period: Period, *, force: bool = False,
                   sender: SmtpSender | None = None,
                   now_utc: dt.datetime | None = None) -> AssessmentRun:
    rows = assess_enterprises(settings, period)
    rules = settings.park.annual_assessment
    source = {lang: localised(rules.rules_source, lang, rules.rules_source_zh)
              for lang in LANGUAGES}
    folder = join_path(settings.data_root, "reports", "assessment", period.label)
    plans = {e.id: _plan(settings, e.id) for e, _, _ in rows}
    layouts = {e.id: {lang: enterprise_layout(e, f, j, period, source[lang], lang,
                                                  plans[e.id])
                      for lang in LANGUAGES} for e, f, j in rows}
    layouts["park"] = {lang: park_layout(rows, period, source[lang], lang) for lang in LANGUAGES}
    rendered: dict[str, dict[str, Rendered]] = {}
    with tempfile.TemporaryDirectory(prefix="assessment-fonts-") as font_folder:
        fonts = fonts_for([layout_text(layout) for pages in layouts.values()
                           for layout in pages.values()], Path(font_folder))
        for name, pages in layouts.items():
            rendered[name] = render_card(name, pages, fonts, folder)[1]
    kept = [path for pages in rendered.values() for page in pages.values()
            for path in page.paths]
    _land(settings, period, rows, now_utc or dt.datetime.now(dt.UTC))
    delivery = deliver(settings, _messages(settings, period, rendered), force=force,
                       sender=sender)
    return AssessmentRun(period, rows, kept, delivery)


def _plan(settings: Settings, enterprise_id: str) -> EnterprisePlan | str:
    """Its plan (一企一策) from the same warehouse, or why there is none (no metered data, no
    tariff in force to price its measures): the report says so rather than failing."""
    try:
        return build_plan(settings, enterprise_id)
    except (NoEnterpriseDataError, ConfigError) as exc:
        return str(exc)


def _messages(settings: Settings, period: Period, rendered: dict[str, dict[str, Rendered]]
              ) -> Iterator[Message]:
    default = settings.park.scorecards.default_language.value
    wanted = [(enterprise.id, contact) for enterprise in settings.park.enterprises
              for contact in enterprise.contacts]
    wanted += [("park", contact) for contact in settings.park.recipients.park_management]
    for name, contact in wanted:
        language = contact.language.value if contact.language else default
        page = rendered[name][language]
        yield Message(key=f"assessment/{period.label}/{name}", recipient=contact,
                      subject=page.layout.title, text=page.text, html=page.html,
                      attachments=[(f"assessment-{period.label}-{name}.{language}.pdf", page.pdf,
                                    "application/pdf")], language=language)


def _land(settings: Settings, period: Period,
          rows: list[tuple[Enterprise, EnterpriseFigures, Judgement]], now: dt.datetime) -> None:
    table = pa.Table.from_pylist([{
        "ts_utc": now, "period_kind": period.kind, "year": period.year,
        "through_month": period.through_month, "enterprise_id": enterprise.id,
        "outcome": judgement.outcome.value, "missing_data": judgement.missing_data,
        "intensity_tco2_per_10k_cny": figures.intensity_tco2_per_10k_cny,
        "intensity_fall_pct": figures.intensity_fall_pct,
        "clean_energy_share_pct": figures.clean_energy_share_pct,
        "efficiency_gain_pct": figures.efficiency_gain_pct, "red_months": figures.red_months,
        "targets_met": figures.targets_met, "calculation": CALCULATION}
        for enterprise, figures, judgement in rows], schema=ASSESSMENTS_SCHEMA)
    landing.write_partitioned(settings.landing_root, "enterprise_assessments", table,
                              f"{period.label}-{now:%Y%m%dT%H%M%S}")
