"""Low-carbon admission (低碳准入) against a case computed by hand from the national rules, on the
national test's park and its real warehouse (tests/jobs/warehouse/test_national_assessment.py).

The park, 12 months through November 2026 (rolling_12m): 780.8875 t over 446.74225 tce measured
in 3,000 of the 35,040 quarter-hours (December 2025 to November 2026), annualised x 11.68:
9,120.766 t over 5,217.94948 tce, 1.747960 tCO2/tce, below the national bands (the configured
limit 0.3 applies).

The applicant (a year): 10,000 MWh of electricity, none of it green yet, 100,000 Nm3 of gas,
output value 20,000 万元, 20,000 m2 of roof.
  emissions = 10,000 MWh x 0.8325 + 100,000 Nm3 x 0.0021622 = 8,325 + 216.22 = 8,541.22 t
  energy = 10,000 MWh x 0.305 + 100,000 x 1.2143 / 1000 = 3,050 + 121.43 = 3,171.43 tce
  its ratio 2.693 is above the park's: it would raise the park's indicator, so it must stay
  neutral: green power = (8,541.22 - 1.747960 x 3,171.43) / 0.8325 MWh a year.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from jobs.admission.application import load_application
from jobs.admission.decide import assess_application
from jobs.admission.park_baseline import park_baseline
from jobs.cli import app
from jobs.common.park_config import ParkConfig
from jobs.warehouse.reference_pv_yield import monthly_pv_yield_kwh_per_kwp
from tests.conftest import CONFIG_DIR, write_park_file
from tests.jobs.warehouse.test_guiding_indicators import WIDGET_LIMIT
from tests.jobs.warehouse.test_national_assessment import _park, built  # noqa: F401

pytestmark = pytest.mark.integration

FOSSIL, ELECTRICITY_KGCE, GAS_T, GAS_KGCE = 0.8325, 0.3050, 21.622 / 10_000, 1.2143
SCALE = 35_040 / 3_000
PARK_T, PARK_TCE = 780.8875 * SCALE, 446.74225 * SCALE
PARK_RATIO = PARK_T / PARK_TCE
APPLICANT_T = 10_000 * FOSSIL + 100_000 * GAS_T
APPLICANT_TCE = 10_000 * ELECTRICITY_KGCE + 100_000 * GAS_KGCE / 1000
NEUTRAL_MWH = (APPLICANT_T - PARK_RATIO * APPLICANT_TCE) / FOSSIL


def _application(**changes) -> dict:
    application = {
        "application_id": "app-2026-01",
        "applicant": {"name_zh": "苏州新材有限公司", "name_en": "Suzhou New Materials",
                      "industry": "advanced materials", "industry_code": "C3985"},
        "planned_annual": {"electricity_mwh": 10_000, "natural_gas_nm3": 100_000},
        "output_value_10k_cny": 20_000,
        "roof_area_m2": 20_000,
        "products": [{"product_code": "widget", "output_quantity": 1000, "output_unit": "t",
                      "product_energy_tce": 90}],
    }
    for key, value in changes.items():
        if key == "planned_annual":
            application["planned_annual"] = {**application["planned_annual"], **value}
        else:
            application[key] = value
    return application


def _write(tmp_path: Path, application: dict, name: str = "application.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(application, allow_unicode=True), encoding="utf-8")
    return path


def _settings(built, **admission):  # noqa: F811
    park = _park()
    park["guiding_indicators"] = {"product_energy_limits": [WIDGET_LIMIT]}
    park["admission"] = admission
    return dataclasses.replace(built, park=ParkConfig.model_validate(park))


def _assess(built, tmp_path, application: dict, **admission):  # noqa: F811
    settings = _settings(built, **admission)
    yield_year = float(monthly_pv_yield_kwh_per_kwp(settings.park).sum())
    return assess_application(settings, load_application(_write(tmp_path, application)),
                              park_baseline(settings), yield_year), yield_year


def test_the_park_and_the_applicant_by_hand(built, tmp_path):  # noqa: F811
    assessment, yield_year = _assess(built, tmp_path, _application())
    effect = assessment.effect
    assert effect.indicator_without == pytest.approx(1.747960, abs=1e-6)
    assert assessment.footprint.emissions_tco2 == pytest.approx(8541.22, abs=1e-6)
    assert assessment.footprint.energy_tce == pytest.approx(3171.43, abs=1e-6)
    assert effect.indicator_with == pytest.approx((PARK_T + 8541.22) / (PARK_TCE + 3171.43),
                                                  abs=1e-9)
    assert effect.limit_with.tco2_per_tce == 0.3 and effect.limit_with.set_nationally is False
    assert assessment.carbon_intensity_tco2_per_10k_cny == pytest.approx(8541.22 / 20_000)
    assert assessment.outcome == "conditional"
    [condition] = assessment.conditions
    assert condition.reason == "neutral_to_core"
    assert condition.green_power_mwh_per_year == pytest.approx(NEUTRAL_MWH, abs=1e-6)
    assert condition.pv_kwp == pytest.approx(NEUTRAL_MWH * 1000 / yield_year, rel=1e-9)
    assert condition.roof_holds_kwp == pytest.approx(20_000 * 0.12)
    # widget: 90 tce / 1,000 t = 90 kgce/t, at or better than the grade 2 of 100
    assert [(p.product_code, p.status) for p in assessment.products] == [("widget", "meets")]


def test_the_condition_fed_back_leaves_the_park_unchanged(built, tmp_path):  # noqa: F811
    fed_back = _application(planned_annual={"green_power_mwh": NEUTRAL_MWH})
    assessment, _ = _assess(built, tmp_path, fed_back)
    assert assessment.effect.indicator_with == pytest.approx(
        assessment.effect.indicator_without, abs=1e-9)
    assert assessment.outcome == "pass" and assessment.conditions == []
    # and its green power counts as clean energy: 5,301.7 MWh x 0.305 more tce of clean energy
    assert assessment.footprint.clean_energy_tce == pytest.approx(NEUTRAL_MWH * 0.305)


@pytest.mark.parametrize(("application", "admission", "reason"), [
    (_application(applicant={"name_zh": "焦化厂", "name_en": "Coking plant",
                             "industry": "coking", "industry_code": "C2521"}),
     {"excluded_industries": ["C25"]}, "excluded_industry"),
    (_application(products=[{"product_code": "widget", "output_quantity": 1000,
                             "output_unit": "t", "product_energy_tce": 101}]),
     {}, "product_above_grade2"),
    # 10,000,000 Nm3 of gas is 21,622 t that green power cannot zero
    (_application(planned_annual={"electricity_mwh": 100, "natural_gas_nm3": 10_000_000}),
     {}, "green_power_short"),
])
def test_what_fails(built, tmp_path, application, admission, reason):  # noqa: F811
    assessment, _ = _assess(built, tmp_path, application, **admission)
    assert assessment.outcome == "fail"
    assert reason in [r.key for r in assessment.reasons]


def test_an_intensity_above_the_rule_is_a_condition_with_its_quantity(built, tmp_path):  # noqa: F811
    # a rule of 0.3 tCO2 per 万元: 8,541.22 - 0.3 x 20,000 = 2,541.22 t to take off
    assessment, _ = _assess(built, tmp_path, _application(),
                            max_carbon_intensity_tco2_per_10k_cny=0.3,
                            must_stay_neutral_to_core_indicator=False)
    [condition] = assessment.conditions
    assert condition.reason == "carbon_intensity"
    assert condition.green_power_mwh_per_year == pytest.approx(2541.22 / FOSSIL, abs=1e-6)


@pytest.mark.parametrize(("change", "where"), [
    ({"output_value_10k_cny": -5}, "output_value_10k_cny (line "),
    ({"planned_annual": {"green_power_mwh": 20_000}}, "planned_annual (line "),
    ({"applicant": {"name_zh": "某", "name_en": "X Co", "industry": "x",
                    "industry_code": "C3985"}}, "applicant.name_zh (line "),
    ({"planned_annual": {"electricity_mwh": float("nan")}}, "planned_annual.electricity_mwh"),
])
def test_a_bad_application_is_refused_whole_and_nothing_is_written(built, tmp_path, change,  # noqa: F811
                                                                   where):
    path = _write(tmp_path, _application(**change))
    park_file = write_park_file(_park(), tmp_path / "park.yaml")
    result = CliRunner().invoke(app, ["admit", str(path), "--config-dir", str(CONFIG_DIR),
                                      "--park-file", str(park_file), "--data-root",
                                      str(built.data_root)])
    assert result.exit_code == 2, result.output
    assert "Application rejected" in result.output and where in result.output
    assert "column" in result.output and "Traceback" not in result.output
    assert not (Path(built.data_root) / "reports" / "admission").exists()
    # nothing landed (a build leaves a schema-only file in an empty dataset's 1970 partition)
    landed = Path(built.landing_root) / "admissions"
    assert [p for p in landed.glob("date=*/*.parquet") if "1970-01-01" not in str(p)] == []


def test_park_admit_writes_the_report_and_lands_the_decision(built, tmp_path):  # noqa: F811
    park_file = write_park_file(_park(), tmp_path / "park.yaml")
    path = _write(tmp_path, _application(application_id="app-cli"))
    result = CliRunner().invoke(app, ["admit", str(path), "--config-dir", str(CONFIG_DIR),
                                      "--park-file", str(park_file), "--data-root",
                                      str(built.data_root)])
    assert result.exit_code == 0, result.output
    assert "conditional" in result.output and "MWh/yr of green power" in result.output
    folder = Path(built.data_root) / "reports" / "admission" / "app-cli"
    for name in ("admission.zh.html", "admission.zh.pdf", "admission.en.html",
                 "admission.en.pdf"):
        assert (folder / name).stat().st_size > 1000, name
    assert "有条件通过" in (folder / "admission.zh.html").read_text(encoding="utf-8")
    landed = duckdb.sql(f"select application_id, outcome, green_power_mwh_condition from "
                        f"read_parquet('{built.landing_root}/admissions/*/*.parquet')").fetchall()
    assert landed == [("app-cli", "conditional", pytest.approx(NEUTRAL_MWH, abs=1e-6))]


def test_no_warehouse_no_assessment(tmp_path):
    park_file = write_park_file(_park(), tmp_path / "park.yaml")
    path = _write(tmp_path, _application())
    result = CliRunner().invoke(app, ["admit", str(path), "--config-dir", str(CONFIG_DIR),
                                      "--park-file", str(park_file), "--data-root",
                                      str(tmp_path / "empty")])
    assert result.exit_code == 1, result.output
    assert "run `park build` first" in result.output





def test_the_queue_assesses_each_file_on_its_own(built, tmp_path):  # noqa: F811
    from jobs.admission.batch import admission_inbox, assess_queue

    settings = _settings(built)
    inbox = admission_inbox(settings)
    inbox.mkdir(parents=True)
    _write(inbox, _application(application_id="good-1"), "a_good.yaml")
    _write(inbox, _application(output_value_10k_cny=0), "b_bad.yaml")
    _write(inbox, _application(application_id="good-2"), "c_good.yaml")
    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    batch = assess_queue(settings, now)
    assert [a.assessment.application.application_id for _, a in batch.admitted] == [
        "good-1", "good-2"]
    [(rejected, error)] = batch.rejected
    assert rejected == inbox / "rejected" / "2026-12-03" / "b_bad.yaml"
    assert "output_value_10k_cny (line " in error
    assert "output_value_10k_cny" in (inbox / "rejected" / "2026-12-03"
                                      / "b_bad.yaml.errors.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in (inbox / "done" / "2026-12-03").iterdir()) == [
        "a_good.yaml", "c_good.yaml"]
    # a re-run finds nothing new
    again = assess_queue(settings, now)
    assert again.admitted == [] and again.rejected == []
