"""Forecasts for the day-ahead plan: weather (providers behind one interface), PV potential
from it through pvlib and its calibration on measured history, consumer load profiles, and
tomorrow's EV sessions pooled into groups."""
