"""Fixtures shared by the job packages' tests."""

from __future__ import annotations

import pytest

from tests.jobs.scorecards.conftest import build_scorecard_warehouse


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The small park's warehouse, 25 May - 30 June 2026 (see tests/jobs/scorecards/conftest.py):
    built once for the scorecard and the valuation tests."""
    return build_scorecard_warehouse(tmp_path_factory)
