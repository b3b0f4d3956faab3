"""Discounted-cash-flow arithmetic on annual cash flows, shared by every asset valuation.

Convention throughout: index 0 is year 0, the investment year, and is not discounted (as
numpy_financial.npv); later indices are operating years, discounted at the end of the year.
Amounts are CNY, rates are fractions (0.08 for 8 %). Annual series named `annual_*` cover the
operating years 1..n only. Every function validates its inputs and names the argument at fault,
because these numbers arrive from realised data where a NaN would otherwise pass silently.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

IRR_LOWEST = -0.99
IRR_HIGHEST = 10.0
# Even in log(1 + rate): NPV changes fastest near -1, and a step of about 0.18 % around 0 keeps
# the two roots of a non-conventional flow (10 % and 20 %, say) in separate cells of the scan.
_IRR_GRID = np.geomspace(1.0 + IRR_LOWEST, 1.0 + IRR_HIGHEST, 4001) - 1.0


def _check_rate(rate: float, name: str = "rate") -> float:
    if not _is_finite_number(rate) or rate <= -1.0:
        raise ValueError(f"{name} must be a finite fraction > -1 (0.08 for 8 %), got {rate!r}")
    return float(rate)


def _check_years(years: int, name: str = "years") -> int:
    whole = isinstance(years, int | np.integer) and not isinstance(years, bool)
    if not whole or years < 1:
        raise ValueError(f"{name} must be a whole number of years >= 1, got {years!r}")
    return int(years)


def _check_amount(value: float, name: str) -> float:
    if not _is_finite_number(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool) and (
        math.isfinite(value))


def _as_series(values: npt.ArrayLike, name: str, min_length: int = 1) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a sequence of numbers, got {values!r}") from error
    if array.ndim != 1 or array.size < min_length:
        raise ValueError(f"{name} must be a 1-D sequence of at least {min_length} number(s), "
                         f"got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{name} must be finite, got {array[bad[0]]} at index {bad[0]}")
    return array


def _check_same_length(**series: np.ndarray) -> None:
    lengths = {name: len(values) for name, values in series.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"these series must cover the same years, got lengths {lengths}")


def _present_value(rate: float, flows: np.ndarray) -> float:
    return float(flows @ (1.0 + rate) ** -np.arange(len(flows), dtype=float))


def _present_value_of_years_1_to_n(rate: float, annual: np.ndarray) -> float:
    return _present_value(rate, np.concatenate(([0.0], annual)))


def discount_factors(rate: float, years: int) -> np.ndarray:
    """1 / (1 + rate)^t for t = 0..years (years + 1 values), to line up with a cash-flow table
    whose rows run from the investment year 0 to the last operating year."""
    rate = _check_rate(rate)
    years = _check_years(years)
    return (1.0 + rate) ** -np.arange(years + 1, dtype=float)


def npv(rate: float, cash_flows: npt.ArrayLike) -> float:
    """Net present value, CNY; cash_flows[0] (year 0) is not discounted, as numpy_financial.npv."""
    return _present_value(_check_rate(rate), _as_series(cash_flows, "cash_flows"))


def _npv_scaled(rates: np.ndarray | float, flows: np.ndarray) -> np.ndarray:
    """NPV times a positive factor that keeps every power <= 1: for 1 + rate < 1 it is the
    polynomial sum c_t (1 + rate)^(n-1-t), otherwise the NPV itself. Same sign and roots as the
    NPV, but a long life cannot overflow near rate = -1; the two forms agree at rate = 0."""
    growth = 1.0 + np.atleast_1d(np.asarray(rates, dtype=float))[:, None]
    t = np.arange(len(flows), dtype=float)
    exponents = np.where(growth < 1.0, (len(flows) - 1) - t, -t)
    return (growth**exponents) @ flows


def irr(cash_flows: npt.ArrayLike) -> float | None:
    """Internal rate of return (fraction): the rate in (-0.99, 10) at which the NPV is zero.

    The NPV is scanned on a grid for sign changes and each bracketed root refined with Brent's
    method, so no starting guess can send it astray. None when the NPV never changes sign on the
    range: all flows of one sign (an asset whose costs always exceed its savings, or one with no
    investment), or all zero. A flow that returns less than it cost has a negative IRR (if it is
    above -0.99).
    Non-conventional flows (a mid-life replacement bigger than a year's income) can have several
    roots; the one closest to 0 is returned, as numpy_financial.irr does. Conventional flows
    (outflows, then inflows) have exactly one. Two roots closer than the grid step (~0.2 % near 0)
    or a double root that only touches zero are not seen.
    """
    flows = _as_series(cash_flows, "cash_flows", min_length=2)
    if not flows.any():
        return None

    def scaled_npv_at(rate: float) -> float:
        return float(_npv_scaled(rate, flows)[0])

    values = _npv_scaled(_IRR_GRID, flows)
    roots = list(_IRR_GRID[values == 0.0])
    signs = np.sign(values)
    for cell in np.flatnonzero(signs[:-1] * signs[1:] < 0):
        roots.append(brentq(scaled_npv_at, _IRR_GRID[cell], _IRR_GRID[cell + 1], xtol=1e-14))
    if not roots:
        return None
    return float(min(roots, key=abs))


def _payback(flows: np.ndarray) -> float | None:
    cumulative = np.cumsum(flows)
    reached = np.flatnonzero(cumulative >= 0.0)
    if reached.size == 0:
        return None
    year = int(reached[0])
    if year == 0:
        return 0.0
    # cumulative[year - 1] < 0 <= cumulative[year], so flows[year] > 0: the year's flow is
    # taken as spread evenly over the year.
    return (year - 1) + float(-cumulative[year - 1] / flows[year])


def simple_payback_years(cash_flows: npt.ArrayLike) -> float | None:
    """Years until the cumulative undiscounted cash flow first reaches >= 0, interpolated within
    the year it crosses (-1000, 400, 400, 400 -> 2.5). None if it never does. "First": a later
    dip below zero (a replacement) does not move it, as REopt's simple_payback_years."""
    return _payback(_as_series(cash_flows, "cash_flows"))


def discounted_payback_years(rate: float, cash_flows: npt.ArrayLike) -> float | None:
    """simple_payback_years on the cash flows discounted to year 0 at `rate`."""
    rate = _check_rate(rate)
    flows = _as_series(cash_flows, "cash_flows")
    return _payback(flows * (1.0 + rate) ** -np.arange(len(flows), dtype=float))


def capital_recovery_factor(rate: float, years: int) -> float:
    """Level annual payment, per unit of principal, that repays it with interest over `years`."""
    rate = _check_rate(rate)
    years = _check_years(years)
    if rate == 0.0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def _levelised_cost(rate: float, capex_cny: float, annual_costs_cny: np.ndarray,
                    annual_energy_kwh: npt.ArrayLike, energy_name: str) -> float:
    energy = _as_series(annual_energy_kwh, energy_name)
    _check_same_length(**{"annual_costs_cny": annual_costs_cny, energy_name: energy})
    negative = np.flatnonzero(energy < 0.0)
    if negative.size:
        raise ValueError(f"{energy_name} must be >= 0 in every year, got {energy[negative[0]]} "
                         f"in operating year {negative[0] + 1}")
    energy_pv_kwh = _present_value_of_years_1_to_n(rate, energy)
    if energy_pv_kwh <= 0.0:
        raise ValueError(f"{energy_name} is zero in every year: there is no energy to spread "
                         "the cost over")
    return (capex_cny + _present_value_of_years_1_to_n(rate, annual_costs_cny)) / energy_pv_kwh


def lcoe_cny_per_kwh(rate: float, capex_cny: float, annual_costs_cny: npt.ArrayLike,
                     annual_energy_kwh: npt.ArrayLike) -> float:
    """Levelised cost of energy: (capex + PV of annual costs) / PV of energy, years 1..n.

    Annual costs are positive for spending (O&M, replacements) and may be negative for a salvage
    value. Energy is discounted like money, the usual definition (NREL, IEA): it is the price
    per kWh that, earned on every kWh, recovers the costs at `rate`.
    """
    rate = _check_rate(rate)
    capex = _check_amount(capex_cny, "capex_cny")
    costs = _as_series(annual_costs_cny, "annual_costs_cny")
    return _levelised_cost(rate, capex, costs, annual_energy_kwh, "annual_energy_kwh")


def lcos_cny_per_kwh(rate: float, capex_cny: float, annual_costs_cny: npt.ArrayLike,
                     annual_charging_cost_cny: npt.ArrayLike,
                     annual_discharged_kwh: npt.ArrayLike) -> float:
    """Levelised cost of storage: as lcoe_cny_per_kwh with the cost of the charged energy added
    to the annual costs and the discharged energy as the denominator (Schmidt et al., Joule
    2019; Lazard's LCOS), so it compares directly with the price of the energy displaced."""
    rate = _check_rate(rate)
    capex = _check_amount(capex_cny, "capex_cny")
    costs = _as_series(annual_costs_cny, "annual_costs_cny")
    charging = _as_series(annual_charging_cost_cny, "annual_charging_cost_cny")
    _check_same_length(annual_costs_cny=costs, annual_charging_cost_cny=charging)
    return _levelised_cost(rate, capex, costs + charging, annual_discharged_kwh,
                           "annual_discharged_kwh")


def break_even_carbon_price_cny_per_tco2(rate: float, cash_flows_without_carbon: npt.ArrayLike,
                                         annual_tco2_avoided: npt.ArrayLike) -> float | None:
    """Carbon price (CNY/tCO2, constant over the life) at which the NPV is zero.

    The NPV is linear in the price: NPV(p) = NPV(flows without carbon) + p * PV(tCO2 avoided,
    years 1..n), so p = -NPV(without) / PV(tCO2). Negative when the asset is already profitable
    without a carbon price; the sign is kept because its size is the headroom (-50: it would
    still break even paying 50 CNY for every tonne it avoids). None when the asset avoids no
    carbon (PV of tCO2 <= 0), where no price can close the gap.
    """
    rate = _check_rate(rate)
    flows = _as_series(cash_flows_without_carbon, "cash_flows_without_carbon", min_length=2)
    tco2 = _as_series(annual_tco2_avoided, "annual_tco2_avoided")
    if len(tco2) != len(flows) - 1:
        raise ValueError(f"annual_tco2_avoided must cover operating years 1..{len(flows) - 1} "
                         f"({len(flows) - 1} values), got {len(tco2)}")
    tco2_pv = _present_value_of_years_1_to_n(rate, tco2)
    if tco2_pv <= 0.0:
        return None
    return -_present_value(rate, flows) / tco2_pv


def annuity_payment_cny(principal_cny: float, rate: float, years: int) -> float:
    """Level annual debt service (interest + principal, paid at each year end) on a loan."""
    principal = _check_amount(principal_cny, "principal_cny")
    return principal * capital_recovery_factor(rate, years)


def dscr(cash_available_cny: npt.ArrayLike, debt_service_cny: npt.ArrayLike
         ) -> tuple[float, float]:
    """Debt service coverage ratio (cash available for debt service / debt service), minimum and
    mean over the years with debt service > 0; lenders covenant on the minimum."""
    cash = _as_series(cash_available_cny, "cash_available_cny")
    service = _as_series(debt_service_cny, "debt_service_cny")
    _check_same_length(cash_available_cny=cash, debt_service_cny=service)
    serviced = service > 0.0
    if not serviced.any():
        raise ValueError("debt_service_cny has no year with debt service > 0: no DSCR to compute")
    ratios = cash[serviced] / service[serviced]
    return float(ratios.min()), float(ratios.mean())
