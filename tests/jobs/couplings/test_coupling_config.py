"""The park's `couplings` section: a meter counts in one place only, measures its carrier, and
joins parties of the park; a bad section is refused with where and why."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from jobs.common.park_config import ParkConfig


def _with(park: dict, couplings: dict, guiding: dict | None = None) -> dict:
    changed = copy.deepcopy(park)
    changed["couplings"] = couplings
    if guiding is not None:
        changed["guiding_indicators"] = guiding
    return changed


def _device(park: dict, kind: str) -> str:
    return next(d["id"] for d in park["devices"] if d["kind"] == kind)


def test_a_meter_already_counted_by_the_guiding_indicators_is_refused(demo_park_dict):
    tank = _device(demo_park_dict, "thermal_storage")
    park = _with(demo_park_dict, {"meters": {tank: {"from_id": "ruifeng-foods",
                                                    "to_id": "dushu-textile",
                                                    "carrier": "heat", "kind": "heat"}}},
                 {"waste_heat_tanks": {tank: "dushu-textile"}})
    with pytest.raises(ValidationError, match=rf"couplings.meters.{tank}: .* already counted "
                                              "by guiding_indicators"):
        ParkConfig.model_validate(park)


@pytest.mark.parametrize(("meter", "message"), [
    ({"from_id": "ruifeng-foods", "to_id": "dushu-textile", "carrier": "water",
      "kind": "cooling"}, "a water coupling is measured by a water_meter"),
    ({"from_id": "acme", "to_id": "dushu-textile", "carrier": "heat", "kind": "heat"},
     "from_id: unknown enterprise 'acme'"),
])
def test_a_meter_of_the_wrong_kind_or_party_is_refused(demo_park_dict, meter, message):
    tank = _device(demo_park_dict, "thermal_storage")
    guiding = {k: v for k, v in demo_park_dict.get("guiding_indicators", {}).items()
               if k != "waste_heat_tanks"}
    park = _with(demo_park_dict, {"meters": {tank: meter}}, guiding)
    with pytest.raises(ValidationError, match=message):
        ParkConfig.model_validate(park)


def test_the_demo_parks_couplings_section_loads(demo_park_dict):
    section = ParkConfig.model_validate(demo_park_dict).couplings
    assert section.incentives["heat"].reward_tco2_per_unit == 0.02
    assert section.prices.heat_cny_per_gj is None  # the plans' heat price applies
