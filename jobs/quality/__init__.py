"""Data quality of the landing zone and the marts with Great Expectations (GX Core 1.x).

GX checks what it is better at than dbt tests: values against the register maps' plausible
ranges, completeness of polls, frozen values, timestamp order and clock skew, with Data Docs.
Keys, not-null, relationships and balances stay dbt tests in the warehouse.

    from jobs.quality.landing_checkpoint import run_landing_checkpoint
    report = run_landing_checkpoint(settings, [date(2026, 3, 10)], run_id="nightly-20260310")

Nothing is imported here: importing GX takes seconds, and the warehouse build (which only
needs jobs.quality.schemas) must not pay for it.
"""
