"""A sample application for the demo and for a park office trying `park admit`: a new
electronics assembler of the demo park's scale. All-electric at the grid's fossil factor it
would raise the park's core indicator, so it comes out as a conditional pass: green power or
rooftop PV, quantified."""

from __future__ import annotations

from pathlib import Path

import yaml

SAMPLE_APPLICATION = {
    "application_id": "demo-applicant-2026-01",
    "applicant": {"name_zh": "苏州启辰智能装备有限公司", "name_en": "Suzhou Qichen Smart Equipment",
                  "industry": "smart equipment assembly", "industry_code": "C3499"},
    "planned_annual": {"electricity_mwh": 6_000, "green_power_mwh": 0,
                       "natural_gas_nm3": 40_000},
    "output_value_10k_cny": 30_000,
    "roof_area_m2": 12_000,
    "products": [{"product_code": "servo_units", "output_quantity": 20_000,
                  "output_unit": "pcs", "product_energy_tce": 900}],
    "waste_streams": [{"kind": "packaging", "generated_t": 120, "utilised_t": 90}],
    "water_needs_m3": 30_000,
}


def write_sample_application(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo_applicant.yaml"
    path.write_text("# An illustrative application (jobs/admission/samples.py)\n"
                    + yaml.safe_dump(SAMPLE_APPLICATION, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path
