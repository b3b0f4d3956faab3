"""How much history the demo backfills: `--days` back from now, and never less than the whole
local day before today (the day-ahead forecast of today needs it). Hand-worked cases in the
demo park's time zone, Asia/Shanghai (UTC+8, no daylight saving)."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.demo import history_start_utc

UTC = dt.UTC


@pytest.mark.parametrize(("now_utc", "days", "expected_utc"), [
    # 23:54 local on 5 December: one day back is 23:54 on the 4th, six minutes of it; the
    # whole 4th (local) starts at 16:00 UTC on the 3rd
    (dt.datetime(2026, 12, 5, 15, 54, tzinfo=UTC), 1.0,
     dt.datetime(2026, 12, 3, 16, 0, tzinfo=UTC)),
    # 00:30 local on 6 December: one day back (00:30 local on the 5th) is after the 5th's
    # midnight, so the whole 5th (from 16:00 UTC on the 4th) is taken
    (dt.datetime(2026, 12, 5, 16, 30, tzinfo=UTC), 1.0,
     dt.datetime(2026, 12, 4, 16, 0, tzinfo=UTC)),
    # three days back from noon local already hold the whole day before: unchanged
    (dt.datetime(2026, 12, 5, 4, 0, tzinfo=UTC), 3.0,
     dt.datetime(2026, 12, 2, 4, 0, tzinfo=UTC)),
])
def test_the_demo_backfills_at_least_the_whole_local_day_before_today(now_utc, days,
                                                                      expected_utc):
    assert history_start_utc(now_utc, days, "Asia/Shanghai") == expected_utc
