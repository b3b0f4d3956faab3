"""What a controller achieved over the evaluated days, read from its own warehouse: the
figures a park manager compares (cost, emissions, renewable absorption, self-sufficiency,
peak demand).

The bill's arithmetic: energy cost prices each interval's metered import and export with the
tariff in force, export paid only as the tariff says (nothing without an export price; beyond
the interval's PV generation only where stored_energy_export_paid); the demand charge is the
monthly charge on the month's metered peak (from the month's first day, so the days before the
evaluated ones count), prorated to the evaluated days of that month.
With the twin's ground truth (`grid`, jobs/twin/loop.py) renewable absorption is what the
arrays offered against what they fed, and PV curtailed by the controller's setpoints and by
the connection's export protection, and import-limit breaches, are reported apart.
Gas: the heat the waste-heat tanks' users lacked came from the gas boiler (the twin's truth,
saved per day by the loop); it is on the bill at the price the dispatch model plans with
(`dispatch.backup_heat_cny_per_kwh_th`, per kWh of heat), the same for every controller, so a
plan that saves electricity by emptying a tank early pays for the gas it burns instead.
Emissions: location-based and market-based Scope 2 with the warehouse's factors
(market-based: the residual-mix factor; no green-power purchases in twin runs) plus Scope 1:
the metered process gas (which no controller changes) and the boiler's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

import fsspec
import numpy as np
import pandas as pd

from device_io.simulator.grid_protection import GridTally
from jobs.common import landing
from jobs.common.frames import to_frame
from jobs.common.settings import Settings, join_path
from jobs.dispatch.tariff import interval_prices
from jobs.warehouse.published import connect_published


@dataclass(frozen=True)
class Outcome:
    controller: str
    days: int
    energy_cost_cny: float
    demand_charge_cny: float  # prorated to the days
    grid_import_kwh: float
    grid_export_kwh: float
    peak_import_kw: float
    scope2_location_tco2: float
    scope2_market_tco2: float
    scope1_tco2: float
    renewable_absorption_pct: float
    self_sufficiency_pct: float
    battery_throughput_kwh: float  # discharged
    # added for the investment cases (jobs/valuation/cases.py); defaults only so that an
    # Outcome made by hand elsewhere still builds
    pv_generation_kwh: float = 0.0
    battery_charge_kwh: float = 0.0
    # what the charged energy cost (the LCOS's charging cost): in an interval the park
    # exports, the export price it would otherwise have earned; else the import price
    battery_charging_cost_cny: float = 0.0
    # from the twin's ground truth (0 where an outcome is made from a warehouse alone)
    pv_curtailed_by_plan_kwh: float = 0.0  # inverter power-limit setpoints
    pv_curtailed_by_protection_kwh: float = 0.0  # the export protection (防逆流)
    export_over_limit_kwh: float = 0.0  # export the protection could not curtail
    import_over_limit_kwh: float = 0.0
    import_breaches: int = 0
    import_max_kw: float = 0.0  # highest import while above the limit
    backup_heat_kwh_th: float = 0.0  # the gas boiler's heat (the twin's truth)
    gas_cost_cny: float = 0.0  # what that heat's gas cost

    @property
    def total_cost_cny(self) -> float:
        return self.energy_cost_cny + self.demand_charge_cny + self.gas_cost_cny

    def as_dict(self) -> dict:
        return {**asdict(self), "total_cost_cny": self.total_cost_cny}


GRID_TALLY_FILE = "twin_grid_tally.json"


def save_grid_tally(settings: Settings, tally: GridTally) -> None:
    """The twin's truth at the connection beside the run's warehouse (jobs/twin/loop.py)."""
    landing.write_atomically(join_path(settings.data_root, GRID_TALLY_FILE),
                             json.dumps(tally.as_dict()).encode())


BACKUP_HEAT_FILE = "twin_backup_heat.json"


def save_backup_heat(data_root: str, kwh_th_by_local_date: dict[str, float]) -> None:
    """The gas boiler's heat per evaluated local day (ISO date: kWh th), the twin's truth."""
    landing.write_atomically(join_path(data_root, BACKUP_HEAT_FILE),
                             json.dumps(kwh_th_by_local_date).encode())


def saved_backup_heat_kwh_th(data_root: str, first_day: dt.date, last_day: dt.date) -> float:
    """The boiler's heat over the days (0 where no twin run saved it)."""
    fs, fs_path = fsspec.core.url_to_fs(join_path(data_root, BACKUP_HEAT_FILE))
    if not fs.exists(fs_path):
        return 0.0
    by_day = json.loads(fs.cat_file(fs_path))
    return float(sum(v for day, v in by_day.items()
                     if first_day <= dt.date.fromisoformat(day) <= last_day))


def saved_grid_tally(settings: Settings) -> GridTally | None:
    path = join_path(settings.data_root, GRID_TALLY_FILE)
    fs, fs_path = fsspec.core.url_to_fs(path)
    if not fs.exists(fs_path):
        return None
    return GridTally(**json.loads(fs.cat_file(fs_path)))


def outcome(settings: Settings, controller: str, first_day: dt.date, days: int,
            grid: GridTally | None = None) -> Outcome:
    """From the run's data root: its warehouse and, where a twin run saved it, the twin's
    truth at the connection over the same days (`grid`, else the saved one)."""
    grid = grid or saved_grid_tally(settings)
    last_day = first_day + dt.timedelta(days=days - 1)
    with connect_published(settings) as connection:
        balance = to_frame(connection.execute(
            "select interval_start_utc, local_date, grid_import_kwh, grid_export_kwh, "
            "pv_generation_kwh, import_demand_kw, battery_charge_kwh "
            "from fct_energy_balance where local_date between ? and ? order by 1",
            [first_day.replace(day=1), last_day]))
        daily = connection.execute(
            "select sum(grid_import_kwh), sum(consumption_kwh), sum(pv_generation_kwh), "
            "sum(coalesce(pv_curtailed_kwh, 0)), sum(scope1_tco2), "
            "sum(battery_discharge_kwh) from fct_park_daily_kpis "
            "where local_date between ? and ?", [first_day, last_day]).fetchone()
        factors = connection.execute(
            "select location_kgco2_per_kwh, market_kgco2_per_kwh "
            "from intermediate.int_accounting_factors_selected").fetchone()
    month_to_date = balance
    balance = balance[pd.to_datetime(balance["local_date"]).dt.date >= first_day]
    if balance.empty or daily is None or factors is None:
        raise RuntimeError(f"{controller}: no energy balance for {first_day}..{last_day}")
    index = pd.DatetimeIndex(balance["interval_start_utc"]).tz_convert("UTC")
    prices = interval_prices(settings.park.tariffs, index, settings.park.park.timezone)
    imported = balance["grid_import_kwh"].fillna(0.0).to_numpy()
    exported = balance["grid_export_kwh"].fillna(0.0).to_numpy()
    charged = balance["battery_charge_kwh"].fillna(0.0).to_numpy()
    paid_export = paid_export_kwh(exported, balance["pv_generation_kwh"].fillna(0.0).to_numpy(),
                                  prices["stored_export_paid"].to_numpy(dtype=bool))
    peak_kw = float(balance["import_demand_kw"].max())
    import_kwh, consumption, pv, curtailed, scope1, discharged = (float(v or 0.0) for v in daily)
    boiler_kwh_th = saved_backup_heat_kwh_th(settings.data_root, first_day, last_day)
    dispatch = settings.park.dispatch
    return Outcome(
        controller=controller, days=days,
        energy_cost_cny=float((prices["import_price_cny_per_kwh"].to_numpy() * imported).sum()
                              - (prices["export_price_cny_per_kwh"].to_numpy()
                                 * paid_export).sum()),
        demand_charge_cny=demand_charge_cny(
            month_to_date, float(prices["demand_charge_cny_per_kw_month"].max()), first_day),
        grid_import_kwh=float(imported.sum()), grid_export_kwh=float(exported.sum()),
        peak_import_kw=peak_kw,
        scope2_location_tco2=import_kwh * float(factors[0]) / 1000.0,
        scope2_market_tco2=import_kwh * float(factors[1]) / 1000.0,
        scope1_tco2=scope1 + boiler_kwh_th * dispatch.backup_heat_kgco2_per_kwh_th / 1000.0,
        renewable_absorption_pct=_absorption_pct(pv, curtailed, grid),
        self_sufficiency_pct=100.0 * max(1.0 - import_kwh / consumption, 0.0)
        if consumption > 0 else 0.0,
        battery_throughput_kwh=discharged,
        pv_generation_kwh=pv, battery_charge_kwh=float(charged.sum()),
        battery_charging_cost_cny=float((np.where(
            exported > imported, prices["export_price_cny_per_kwh"].to_numpy(),
            prices["import_price_cny_per_kwh"].to_numpy()) * charged).sum()),
        backup_heat_kwh_th=boiler_kwh_th,
        gas_cost_cny=boiler_kwh_th * dispatch.backup_heat_cny_per_kwh_th,
        **_grid_truth(grid))


def paid_export_kwh(exported_kwh: np.ndarray, pv_kwh: np.ndarray,
                    stored_export_paid: np.ndarray) -> np.ndarray:
    """Per interval, the export the tariff pays for: all of it where stored energy is paid,
    else at most the interval's PV generation (the rest came from the batteries)."""
    return np.where(stored_export_paid, exported_kwh, np.minimum(exported_kwh, pv_kwh))


def demand_charge_cny(month_to_date: pd.DataFrame, charge_cny_per_kw_month: float,
                      first_day: dt.date) -> float:
    """month_to_date: local_date and import_demand_kw per interval from each touched month's
    first day. Per month: the charge on the month's metered peak up to the last evaluated
    day, times the evaluated days' share of the month."""
    local_dates = pd.to_datetime(month_to_date["local_date"])
    charge = charge_cny_per_kw_month
    total = 0.0
    for _, month in month_to_date.groupby([local_dates.dt.year, local_dates.dt.month]):
        dates = pd.to_datetime(month["local_date"])
        evaluated_days = dates[dates.dt.date >= first_day].dt.date.nunique()
        total += charge * float(month["import_demand_kw"].max()) * evaluated_days \
            / dates.iloc[0].days_in_month
    return total


def _absorption_pct(pv_kwh: float, curtailed_kwh: float, grid: GridTally | None) -> float:
    """PV fed against PV offered: the twin's truth where known, else the warehouse's estimate
    (which cannot see a curtailment with no unthrottled peer inverter to compare with)."""
    if grid is not None:
        offered = grid.pv_potential_kwh
        return 100.0 * grid.pv_generation_kwh / offered if offered > 0 else 100.0
    return 100.0 * pv_kwh / (pv_kwh + curtailed_kwh) if pv_kwh + curtailed_kwh > 0 else 100.0


def _grid_truth(grid: GridTally | None) -> dict[str, float]:
    if grid is None:
        return {}
    return {"pv_curtailed_by_plan_kwh": grid.pv_curtailed_by_setpoint_kwh,
            "pv_curtailed_by_protection_kwh": grid.pv_curtailed_by_protection_kwh,
            "export_over_limit_kwh": grid.export_over_limit_kwh,
            "import_over_limit_kwh": grid.import_over_limit_kwh,
            "import_breaches": grid.import_breaches, "import_max_kw": grid.import_max_kw}
