"""Setpoints back to the devices, safely: the day-ahead plan's current interval becomes
device commands, each through the safety pipeline, written, read back and audited."""
