"""The day-ahead dispatch: four stages with typed hand-offs (STYLE.md).

    inputs = DispatchInputs(...)            # inputs.py: pandas only, validated
    model = build_model(inputs)             # model.py + builders.py: Pyomo, one builder per asset
    result = solve(model, SolveOptions())   # solve.py: HiGHS with a gap and a time limit
    plan = extract(model, inputs, result)   # extract.py: one row per asset, interval, quantity

Power is in kW (average over the interval), energy in kWh, money in CNY.
"""
