"""The landing contract of the setpoint audit (pyarrow only: the warehouse build imports it
without importing the writer). One row per attempt to set one point of one device."""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

# what happened to the attempt
OUTCOMES = (
    "written",        # written and read back equal (within the point's resolution)
    "unchanged",      # the device already holds the value: nothing written (EEPROM wear)
    "dry_run",        # shadow mode: computed and audited, not written
    "refused",        # a safety rule stopped it before the device (reason says which)
    "verify_failed",  # written, but the read-back differs after the bounded retries
    "write_error",    # the device or the network refused the write (exception, timeout)
    "breaker_open",   # the device's circuit breaker is open: nothing written
    "override",       # a person holds the device in manual override: nothing written
    "interrupted",    # the writer died after announcing the write; the next cycle's read-back
                      # says whether it landed (then `written`) or not (reason says which)
)
# why the value was wanted
# ("recovery": rows of a writer before the write-ahead journal; a recovered row now keeps its
# own source, and its reason says it was recovered)
SOURCES = ("plan", "fallback_plan", "intraday", "safe_default", "live_correction",
           "heartbeat", "rule_based", "recovery")

AUDIT_SCHEMA = pa.schema([
    ("attempt_ts_utc", UTC_TS),          # when the attempt was made
    ("cycle_id", pa.string()),           # one writer cycle
    ("plan_run_id", pa.string()),        # the plan used; null for a safe default without plan
    ("plan_solver_status", pa.string()),  # optimal / time_limit / relaxed / fallback / null
    ("interval_start_utc", UTC_TS),      # the plan interval the command belongs to
    ("device_id", pa.string()),
    ("asset_id", pa.string()),
    ("point", pa.string()),
    ("unit", pa.string()),
    ("source", pa.string()),             # SOURCES
    ("requested", pa.float64()),         # what the plan (or rule) asked for
    ("clamped", pa.float64()),           # after the bounds, live limits and ramp limit
    ("written", pa.float64()),           # what was sent; null if nothing was
    ("read_back", pa.float64()),         # what the device holds afterwards; null if unread
    ("outcome", pa.string()),            # OUTCOMES
    ("reason", pa.string()),             # why refused / clamped / failed, in words
    ("dry_run", pa.bool_()),
    # what decided the cycle's setpoints: `intraday` (the re-solve), `day_ahead` (no intraday
    # step), `day_ahead_fallback: <why>` (the re-solve failed, was late or not trusted); null
    # without a plan (safe defaults) or under another controller
    ("decided_by", pa.string()),
])
