"""The closed loop on the digital twin: harvesting, the warehouse, the day-ahead plan and the
setpoint writer run against the simulator on a simulated clock, for several controllers on
the same weather and load, so their costs can be compared (`park twin`)."""
