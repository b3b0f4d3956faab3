"""The site's modelled PV yield per kWp, which sizes "how much more PV would close the gap":
the reference array is built like the park's arrays, and its yield obeys the physics and the
published order of magnitude for the site.

Independent figures: a fixed, near-south array in the Yangtze delta (Suzhou, 31.3 N) yields
about 1,000-1,300 kWh per kWp a year (PVGIS-type estimates for the region; the model here is
clear sky less a 35 % mean cloud loss, so it must land in that band); a tilted array facing
north yields less than the same facing south; June yields more than December.
"""

from __future__ import annotations

from jobs.common.park_config import ParkConfig
from jobs.warehouse.reference import reference_tables
from jobs.warehouse.reference_pv_yield import monthly_pv_yield_kwh_per_kwp, reference_array
from tests.conftest import settings_for
from tests.jobs.warehouse.hand_park import ENTERPRISES, alpha_beta_devices, park_section


def _park_dict(arrays: list[dict]) -> dict:
    return {"park": park_section("yield-park", "产量园", "Yield Park"),
            "enterprises": ENTERPRISES, "devices": alpha_beta_devices(),
            "assets": {"pv": arrays}}


def _park(arrays: list[dict]) -> ParkConfig:
    return ParkConfig.model_validate(_park_dict(arrays))


def _array(id_: str, kwp: float, inverter_kw: float, tilt: float, azimuth: float) -> dict:
    return {"id": id_, "kwp": kwp, "inverter_kw": inverter_kw, "tilt_deg": tilt,
            "azimuth_deg": azimuth}


def test_the_reference_array_is_the_parks_arrays_weighted_by_kwp():
    # 300 kWp at 10 deg facing 170 and 100 kWp at 30 deg facing 210; inverters 250 + 80 kW
    park = _park([_array("a", 300, 250, 10, 170), _array("b", 100, 80, 30, 210)])
    array = reference_array(park)
    assert array.kwp == 1.0
    assert array.tilt_deg == (300 * 10 + 100 * 30) / 400  # 15
    assert array.azimuth_deg == (300 * 170 + 100 * 210) / 400  # 180
    assert array.inverter_kw == 330 / 400  # the park's DC/AC ratio kept


def test_the_yield_obeys_the_physics_and_the_regions_order_of_magnitude():
    south = monthly_pv_yield_kwh_per_kwp(_park([_array("s", 100, 100, 25, 180)]))
    north = monthly_pv_yield_kwh_per_kwp(_park([_array("n", 100, 100, 25, 0)]))
    assert list(south.index) == list(range(1, 13))
    assert 1000 <= south.sum() <= 1300
    assert north.sum() < 0.9 * south.sum()
    assert south[6] > south[12]


def test_the_yield_table_goes_to_the_warehouse_with_the_reference_tables(tmp_path):
    settings = settings_for(_park_dict([_array("s", 100, 100, 25, 180)]), tmp_path)
    table = reference_tables(settings)["pv_site_yield"].to_pylist()
    assert [row["month_of_year"] for row in table] == list(range(1, 13))
    assert all(row["kwh_per_kwp"] > 0 and "clear-sky" in row["model"] for row in table)

