"""The park's digital twin: one deterministic physics model that the Modbus simulator serves."""
