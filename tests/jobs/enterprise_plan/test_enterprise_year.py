"""An enterprise's year for its plan, read from a real warehouse: the national test's park,
whose alpha draws 240 x 150/390 = 92.3077 kWh of grid power every quarter-hour from 1 October
00:00 to 1 November 06:00 2026 (3,000 quarter-hours: annualised x 35,040/3,000), priced at a
hand-made tariff: valley 0.30 CNY/kWh 00:00-08:00, flat 0.60 the rest of the day."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from jobs.cli import app
from jobs.common.park_config import ParkConfig
from jobs.enterprise_plan.inputs import enterprise_year
from tests.conftest import CONFIG_DIR, write_park_file
from tests.jobs.warehouse.test_national_assessment import _park, built  # noqa: F401

pytestmark = pytest.mark.integration

GRID_KWH_PER_QH = 240 * 150 / 390
SCALE = 35_040 / 3_000
TARIFF = {"id": "hand", "valid_from": "2020-01-01", "source": "hand-made for this test",
          "energy_price_cny_per_kwh": {"valley": 0.3, "flat": 0.6},
          "windows": [{"start": "00:00", "end": "08:00", "period": "valley"},
                      {"start": "08:00", "end": "24:00", "period": "flat"}]}


def _park_with_tariff() -> dict:
    park = _park()
    park["tariffs"] = [TARIFF]
    park["enterprises"][0] = {**park["enterprises"][0], "roof_area_m2": 5_000}
    return park


def test_alphas_year_by_hand(built):  # noqa: F811
    settings = dataclasses.replace(built, park=ParkConfig.model_validate(_park_with_tariff()))
    year = enterprise_year(settings, "alpha")
    assert year.coverage_pct == pytest.approx(100 * 3_000 / 35_040)
    assert year.grid_kwh == pytest.approx(GRID_KWH_PER_QH * 35_040, rel=1e-9)
    # 08:00-17:00 on the 31 October days: 31 x 36 quarter-hours, all at the flat price
    assert year.daytime_grid_kwh == pytest.approx(GRID_KWH_PER_QH * 31 * 36 * SCALE, rel=1e-9)
    assert year.daytime_price_cny_per_kwh == pytest.approx(0.6)
    # valley: 31 x 32 October quarter-hours and November's 24; flat the other 1,984
    assert year.energy_cost_cny == pytest.approx(
        GRID_KWH_PER_QH * (1_016 * 0.3 + 1_984 * 0.6) * SCALE, rel=1e-9)
    assert year.hvac_peak_kwh == 0  # no HVAC metered, no peak window


def test_park_plan_enterprise_prints_the_ranked_measures(built, tmp_path):  # noqa: F811
    park_file = write_park_file(_park_with_tariff(), tmp_path / "park.yaml")
    args = ["--config-dir", str(CONFIG_DIR), "--park-file", str(park_file), "--data-root",
            str(built.data_root)]
    result = CliRunner().invoke(app, ["plan-enterprise", "alpha", *args], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "rooftop_pv" in result.output and "600 kWp" in result.output  # 5,000 m2 x 0.12
    unknown = CliRunner().invoke(app, ["plan-enterprise", "gamma", *args])
    assert unknown.exit_code == 2 and "the park's are: alpha, beta" in unknown.output
