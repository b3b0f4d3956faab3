"""Forecasts for the day-ahead plan: weather (providers behind one interface) and PV potential
from it through pvlib. Load and EV forecasts from the warehouse come next (issue 4)."""
