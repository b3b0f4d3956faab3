"""The monthly scorecards' data (the entry points; the work is in periods, reads, standings,
enterprise_cards and park_cards), read from the warehouse's marts (read-only) into the plain
records of model.py: one card per configured enterprise, one for the park.

Where each figure comes from (months are local calendar months, `month` their first day):
- enterprise headline: fct_enterprise_monthly_kpis (electricity, tce, Scope 1, Scope 2
  location and market, intensity = emissions_tco2 / output value, the emissions by the
  core-indicator Scope 2 method) and fct_enterprise_monthly_carbon (renewable share = PV
  allocated + green power + certificates over electricity; PV allocated kWh); demand
  response from stg_inbox__dr_events and the plans in force (fct_dispatch_plan).
  A month without a row is None, never 0; so is an intensity without an output value.
- targets and lights: lights.py, on Scope 1 + location-based Scope 2 for the cap and on the
  intensity above for the path.
- profile, TOU split, data quality: fct_enterprise_interval_energy for the month, priced per
  interval by jobs.dispatch.tariff.interval_prices, each interval's quality also checked
  against the enterprise's own meters in fct_interval_energy; expected intervals from the
  calendar in the park's zone (daylight saving included), up to `now_utc` for a month still
  running.
- carbon account: fct_enterprise_carbon_accounts (the latest month of the year up to the card).
- park: fct_park_monthly_kpis, fct_energy_balance (data quality), the seed
  zero_carbon_park_indicators, and the day-ahead runs in force (fct_dispatch_plan; their
  costs from stg_dispatch__plans).
"""

from jobs.scorecards.enterprise_cards import build_enterprise_scorecards
from jobs.scorecards.park_cards import build_park_scorecard, guiding_indicators, trajectory
from jobs.scorecards.periods import add_months, intervals_between, last_month

__all__ = ["add_months", "build_enterprise_scorecards", "build_park_scorecard",
           "guiding_indicators", "intervals_between", "last_month", "trajectory"]
