"""The assessment page's tables say what each column holds: a target is never shown under
"same months last year"."""

from __future__ import annotations

import pytest

from jobs.assessment.figures import EnterpriseFigures, Period
from jobs.assessment.judge import Judgement
from jobs.assessment.report import enterprise_layout
from jobs.common.settings import load_settings
from jobs.scorecards.layout import Table


@pytest.mark.parametrize(("language", "last_header", "target_header"),
                         [("zh", "上年同期", "目标"), ("en", "Same months last year", "Target")])
def test_targets_stand_in_their_own_table_against_a_target_column(
        language: str, last_header: str, target_header: str):
    enterprise = load_settings().park.enterprises[0]
    figures = EnterpriseFigures(
        enterprise_id=enterprise.id, months_in_period=12, months_with_data=12,
        months_with_output=12, emissions_tco2=3_569.0, energy_tce=1_000.0,
        clean_energy_share_pct=5.7, intensity_tco2_per_10k_cny=3.077,
        previous_intensity_tco2_per_10k_cny=None, energy_per_10k_cny_tce=1.462,
        previous_energy_per_10k_cny_tce=None, red_months=1, cap_tco2=3_800.0,
        cap_basis_tco2=3_569.0, intensity_target=3.040, targets_met=False)
    judgement = Judgement(enterprise.id, "good_standing", False, [], None)
    layout = enterprise_layout(enterprise, figures, judgement, Period("annual", 2026, 12),
                               "rules", language)
    tables = [b for b in layout.blocks if isinstance(b, Table)]
    with_last = [t for t in tables if last_header in t.header]
    with_target = [t for t in tables if target_header in t.header]
    assert len(with_last) == 1 and len(with_target) == 1
    assert not any("3,800.0" in cell for row in with_last[0].rows for cell in row)
    assert ["3,569.0", "3,800.0"] in [row[1:] for row in with_target[0].rows]
    assert ["3.077", "3.040"] in [row[1:] for row in with_target[0].rows]
