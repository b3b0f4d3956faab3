"""The day-ahead dispatch: four stages with typed hand-offs (STYLE.md).

    inputs = DispatchInputs(...)            # inputs.py: pandas only, validated
    model = build_model(inputs)             # model.py + builders.py: Pyomo, one builder per asset
    result = solve(model, SolveOptions())   # solve.py: HiGHS with a gap and a time limit
    plan, summary = extract(model, inputs)  # extract.py: one row per asset, interval, quantity

Beside them: calendar.py (a local day's UTC intervals: 92/96/100), tariff.py (prices per
interval from the versioned TOU tariffs) and baseline.py (the rule-based plan, costed by the
same arithmetic, for savings and as the fallback).

Power is in kW (average over the interval), energy in kWh, money in CNY.
"""
