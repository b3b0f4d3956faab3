"""The occupancy the forecast learns is the zones' schedules, not the platform's own mode
overrides: a hand-made morning in which the writer pre-cooled an empty zone and heated an
occupied one. Truth by hand: the schedules (off until 08:00 then auto; auto until 07:00 then
off)."""

from __future__ import annotations

import pandas as pd

from jobs.dispatch.occupancy import schedule_modes

MINUTES = 15
INDEX = pd.date_range("2026-07-06 04:00", "2026-07-06 08:45", freq="15min", tz="UTC")


def _series(values_from: list[tuple[str, float]]) -> pd.Series:
    """A step series over INDEX: each (HH:MM, value) holds from then on."""
    series = pd.Series(float("nan"), index=INDEX)
    for start, value in values_from:
        series[series.index >= pd.Timestamp(f"2026-07-06 {start}", tz="UTC")] = value
    return series


# the schedules, the truth: zone A empty (off) until 08:00, then auto; zone B occupied
# (auto) until 07:00, then off
SCHEDULE = pd.DataFrame({"hvac-a": _series([("04:00", 0.0), ("08:00", 3.0)]),
                         "hvac-b": _series([("04:00", 3.0), ("07:00", 0.0)])})
# what the controllers reported: the writer set A to cool at 05:00:03 (three readings in the
# interval, the first before the write) until the schedule's change at 08:00 ended it, and B
# to heat at 06:00:05 until its schedule went off at 07:00
REPORTED = pd.DataFrame({"hvac-a": _series([("04:00", 0.0), ("05:00", 2.0 / 3.0),
                                             ("05:15", 1.0), ("08:00", 3.0)]),
                         "hvac-b": _series([("04:00", 3.0), ("06:00", 2.0), ("07:00", 0.0)])})
WRITES = pd.DataFrame({"device_id": ["hvac-a", "hvac-b"],
                       "attempt_ts_utc": pd.to_datetime(["2026-07-06 05:00:03",
                                                         "2026-07-06 06:00:05"], utc=True),
                       "value": [1.0, 2.0]})


def test_the_platforms_own_overrides_are_not_read_as_occupancy():
    # as reported, the pre-cooling reads as three hours of occupancy of the empty zone
    assert ((REPORTED > 0) != (SCHEDULE > 0)).sum().to_dict() == {"hvac-a": 12, "hvac-b": 0}
    cleaned = schedule_modes(REPORTED, WRITES, MINUTES)
    pd.testing.assert_frame_equal(cleaned > 0, SCHEDULE > 0)
    pd.testing.assert_frame_equal(cleaned, SCHEDULE)


def test_without_writes_or_for_other_devices_the_history_is_as_reported():
    pd.testing.assert_frame_equal(schedule_modes(REPORTED, WRITES.iloc[0:0], MINUTES), REPORTED)
    other = WRITES.assign(device_id="hvac-z")
    pd.testing.assert_frame_equal(schedule_modes(REPORTED, other, MINUTES), REPORTED)


def test_a_second_write_inside_an_override_keeps_the_schedule_found_before():
    """The writer set A to cool at 05:00 and to heat at 06:30 (both while A was empty): the
    schedule's state before the first write (off) holds for both overrides."""
    reported = REPORTED.copy()
    reported.loc[reported.index >= pd.Timestamp("2026-07-06 06:30", tz="UTC"), "hvac-a"] = 2.0
    reported.loc[reported.index >= pd.Timestamp("2026-07-06 08:00", tz="UTC"), "hvac-a"] = 3.0
    writes = pd.concat([WRITES.iloc[[0]], pd.DataFrame({
        "device_id": ["hvac-a"], "value": [2.0],
        "attempt_ts_utc": pd.to_datetime(["2026-07-06 06:30:02"], utc=True)})])
    cleaned = schedule_modes(reported, writes, MINUTES)
    pd.testing.assert_series_equal(cleaned["hvac-a"], SCHEDULE["hvac-a"])
