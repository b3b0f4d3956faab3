"""The mart checkpoint on a real warehouse. On Friday one enterprise starts a night shift (its
history is generated from a park whose load profile changed) and another's meter times out for
nine hours: dbt's row rules see nothing wrong (the gap is bridged, energy conserved), but the
distribution checks flag the enterprise's day against its own previous weekdays, the meter's
day as mostly estimated, and the park balance as not closing often enough. Thursday passes."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.quality.mart_checkpoint import MartThresholds, run_mart_checkpoint
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
MONDAY = dt.date(2026, 7, 6)
THURSDAY, FRIDAY = MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=4)
# Asia/Shanghai: a local day starts at 16:00 UTC the day before
MONDAY_UTC = dt.datetime(2026, 7, 5, 16, tzinfo=dt.UTC)
FRIDAY_UTC = MONDAY_UTC + dt.timedelta(days=4)
THRESHOLDS = MartThresholds(min_history_days=3)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    park = relocate_endpoints(generate_park(30, seed=8))
    meters = [d for d in park["devices"] if d["kind"] == "sub_meter"]
    night_shift, timed_out = meters[0], meters[1]
    data_root = tmp_path_factory.mktemp("marts") / "data"
    week = settings_for(park, data_root)
    generate_history(week, MONDAY_UTC - dt.timedelta(minutes=30), FRIDAY_UTC, sample_s=120)

    friday_park = copy.deepcopy(park)
    friday_park["simulation"]["load_profiles"][night_shift["enterprise"]]["shifts"] = [
        [8, 20], [20, 8]]
    friday_park["simulation"]["faults"] = [{
        "device_id": timed_out["id"], "kind": "timeout",
        "start": (FRIDAY_UTC + dt.timedelta(hours=2)).isoformat(),
        "end": (FRIDAY_UTC + dt.timedelta(hours=11)).isoformat()}]
    friday = settings_for(friday_park, data_root)
    generate_history(friday, FRIDAY_UTC, FRIDAY_UTC + dt.timedelta(days=1, minutes=30),
                     sample_s=120)
    assert build_warehouse(friday).success
    return friday, night_shift["enterprise"], timed_out["id"]


def test_a_healthy_day_passes_every_mart_check(built):
    settings, _, _ = built
    report = run_mart_checkpoint(settings, [THURSDAY], thresholds=THRESHOLDS)
    assert report.success, report.summary_markdown()
    evaluated = {check.name: check.evaluated_rows for check in report.checks}
    assert evaluated["balance_residuals"] == 96
    # every enterprise and the park's common use
    assert evaluated["consumption_anomalies"] == len(settings.park.enterprises) + 1


def test_the_changed_day_is_flagged_where_it_changed(built):
    settings, night_shift_enterprise, timed_out_meter = built
    report = run_mart_checkpoint(settings, [FRIDAY], thresholds=THRESHOLDS)
    checks = {check.name: check for check in report.checks}
    anomalies, estimated = checks["consumption_anomalies"], checks["estimated_share"]
    assert not anomalies.success and anomalies.failed_rows == 1
    assert anomalies.examples[0].startswith(f"{night_shift_enterprise} on {FRIDAY}")
    assert not estimated.success and estimated.failed_rows >= 1
    assert any(example.startswith(timed_out_meter) for example in estimated.examples)
    assert not checks["balance_residuals"].success
    assert "consumption_anomalies" in report.summary_markdown()
