"""The annual assessment end to end on the national test's park and its real warehouse
(October and November 2026 of meter data): alpha reported its October output value, beta none.
The reports go to each enterprise's contact and the park office through a real SMTP server on
loopback, once (a re-run sends nothing new); the outcomes are landed and modelled."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from pathlib import Path

import duckdb
import pytest
import yaml

from jobs.assessment.plan_blocks import WORDS as PLAN_WORDS
from jobs.assessment.run import annual, run_assessment
from jobs.common.park_config import ParkConfig
from jobs.enterprise_plan.plan import build_plan
from jobs.inbox.load import load_inbox
from jobs.scorecards.smtp_catcher import SmtpCatcher
from jobs.warehouse.build import build_warehouse
from tests.conftest import CONFIG_DIR
from tests.jobs.inbox.conftest import write_csv
from tests.jobs.warehouse.test_national_assessment import _park, built  # noqa: F401

pytestmark = pytest.mark.integration


def demo_tariffs() -> list[dict]:
    demo = yaml.safe_load((CONFIG_DIR / "park.yaml").read_text(encoding="utf-8"))
    return demo["tariffs"]


def _configured(built, port: int):  # noqa: F811
    park = _park()
    park["enterprises"] = [
        {**enterprise, "roof_area_m2": 2000,
         "contacts": [{"name": f"{enterprise['name_en']} energy",
                       "email": f"energy@{enterprise['id']}.example.com",
                       "language": "en" if enterprise["id"] == "beta" else "zh"}]}
        for enterprise in park["enterprises"]]
    # a tariff to price the plans' measures (the demo park's) and roofs to put PV on
    park["tariffs"] = demo_tariffs()
    office = {"name": "能源办", "email": "office@park.example.cn"}
    park["recipients"] = {"park_management": [office]}
    park["mail"] = {"host": "127.0.0.1", "port": port, "security": "none",
                    "retry_delay_s": 0.01}
    return dataclasses.replace(built, park=ParkConfig.model_validate(park))


def test_the_annual_assessment_reports_sends_once_and_lands(built, tmp_path):  # noqa: F811
    output = write_csv(tmp_path / "output_value_2026.csv",
                       ["enterprise_id", "month", "output_value_10k_cny"],
                       [["alpha", "2026-10", 1000]])
    [loaded] = load_inbox(built, [output], now=dt.datetime(2026, 12, 2, 1, tzinfo=dt.UTC))
    assert loaded.accepted, loaded.problems
    assert build_warehouse(built, quiet=True).success
    with SmtpCatcher(tmp_path / "mail") as catcher:
        settings = _configured(built, catcher.port)
        run = run_assessment(settings, annual(2026))
        again = run_assessment(settings, annual(2026))
        received = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                    for p in catcher.messages]
    outcomes = {enterprise.id: (judgement.outcome.value, judgement.missing_data)
                for enterprise, _, judgement in run.rows}
    # alpha has data and an output value but no year before and no targets: it misses the
    # reward (no intensity fall to show, no targets) and has no red month: good standing.
    # beta reported no output value: the missing-data rule (reminder).
    assert outcomes == {"alpha": ("good_standing", False), "beta": ("reminder", True)}
    assert run.delivery.counts()["sent"] == 3
    assert again.delivery.counts()["sent"] == 0
    assert again.delivery.counts()["skipped_already_sent"] == 3
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == [
        "energy@alpha.example.com", "energy@beta.example.com", "office@park.example.cn"]
    subjects = {m["To"].addresses[0].addr_spec: str(m["Subject"]) for m in received}
    assert subjects["energy@beta.example.com"] == "Annual assessment 2026 · Beta"
    assert subjects["energy@alpha.example.com"] == "2026年度考核 · 甲"
    assert len([p for p in run.kept if p.endswith(".pdf")]) == 6  # 3 cards x 2 languages
    # each enterprise's report carries its plan (一企一策): every measure the plan holds, by name
    plan = build_plan(settings, "alpha")
    assert plan.measures
    for language, heading in (("zh", "一企一策"), ("en", "Its plan (one plan per enterprise)")):
        [page] = [p for p in run.kept if "alpha" in Path(p).name and p.endswith(
            f"{language}.html")]
        html = Path(page).read_text(encoding="utf-8")
        assert heading in html
        for measure in plan.measures:
            assert PLAN_WORDS[measure.key][language] in html, (language, measure.key)

    assert build_warehouse(built, quiet=True).success
    with duckdb.connect(built.warehouse_path, read_only=True) as connection:
        landed = connection.execute(
            "select enterprise_id, outcome, missing_data from fct_enterprise_assessments "
            "where period_kind = 'annual' and year = 2026 order by enterprise_id").fetchall()
    # two runs landed: the latest of each enterprise is modelled
    assert landed == [("alpha", "good_standing", False), ("beta", "reminder", True)]
