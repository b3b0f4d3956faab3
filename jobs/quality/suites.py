"""The expectation suites, one per check table, each expectation tagged with the check it serves.

The per-row work (bounds from the register maps, runs, landing order) is already in the check
tables, so each expectation is a plain comparison GX can evaluate and report row by row. The
`check` in an expectation's meta names the quarantine check its failing rows become.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from jobs.quality.schemas import (
    CHECK_COMPLETENESS,
    CHECK_FROZEN_VALUE,
    CHECK_FUTURE_TIMESTAMP,
    CHECK_TIMESTAMP_ORDER,
    CHECK_VALUE_RANGE,
)
from jobs.quality.thresholds import QualityThresholds

# Suite names double as the GX asset and batch definition names of their check tables.
VALUE_RANGE_SUITE = "landing_readings_value_range"
COMPLETENESS_SUITE = "landing_device_day_completeness"
FROZEN_SUITE = "landing_point_frozen_runs"
TIMESTAMPS_SUITE = "landing_reading_timestamps"


def value_range_suite() -> gx.ExpectationSuite:
    """Good readings inside their register map's plausible range (bounds per row)."""
    return gx.ExpectationSuite(name=VALUE_RANGE_SUITE, expectations=[
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="value", column_B="valid_min", or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A good reading is at or above its map's valid_min.",
            meta={"check": CHECK_VALUE_RANGE, "bound": "min"}),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="valid_max", column_B="value", or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A good reading is at or below its map's valid_max.",
            meta={"check": CHECK_VALUE_RANGE, "bound": "max"}),
    ])


def completeness_suite(thresholds: QualityThresholds) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=COMPLETENESS_SUITE, expectations=[
        gxe.ExpectColumnValuesToBeBetween(
            column="completeness_pct", min_value=thresholds.completeness_min_pct,
            description=(f"Each configured device has a good value in at least "
                         f"{thresholds.completeness_min_pct:g} % of its expected polls per "
                         f"day ({thresholds.completeness_window})."),
            meta={"check": CHECK_COMPLETENESS}),
    ])


def frozen_suite(thresholds: QualityThresholds) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=FROZEN_SUITE, expectations=[
        gxe.ExpectColumnValuesToBeBetween(
            column="longest_run_polls", max_value=thresholds.frozen_max_polls,
            description=(f"No heartbeat point, and no counter while its device's power flows, "
                         f"repeats one value for more than {thresholds.frozen_max_polls} "
                         "polls."),
            meta={"check": CHECK_FROZEN_VALUE}),
    ])


def timestamps_suite(thresholds: QualityThresholds) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=TIMESTAMPS_SUITE, expectations=[
        # Null for a device-point's first landed reading: nothing to be ordered after.
        gxe.ExpectColumnValuesToBeBetween(
            column="seconds_after_earlier_landed", min_value=0, strict_min=True,
            description=("A reading is stamped after every reading of its device and point "
                         "that landed before it (clocks never go backwards)."),
            meta={"check": CHECK_TIMESTAMP_ORDER}),
        gxe.ExpectColumnValuesToBeBetween(
            column="seconds_ahead_of_check", max_value=thresholds.max_future_s,
            description=(f"No reading is stamped more than {thresholds.max_future_s:g} s "
                         "ahead of the check's clock."),
            meta={"check": CHECK_FUTURE_TIMESTAMP}),
    ])


def landing_suites(thresholds: QualityThresholds) -> dict[str, gx.ExpectationSuite]:
    """Suites keyed by the check table (CheckTables.frames()) each one validates."""
    return {
        "value_range": value_range_suite(),
        "completeness": completeness_suite(thresholds),
        "frozen": frozen_suite(thresholds),
        "timestamps": timestamps_suite(thresholds),
    }
