"""The day-ahead dispatch: four stages with typed hand-offs (STYLE.md).

    inputs = DispatchInputs(...)            # inputs.py: pandas only, validated
    model = build_model(inputs)             # model.py + builders.py: Pyomo, one builder per asset
    result = solve(model, SolveOptions())   # solve.py: HiGHS with a gap and a time limit
    flows = solved_flows(model, inputs)     # extract.py: PlanFlows (plan_flows.py), then
    rows, summary = plan_rows(...), summarise(...)  # one row per asset, interval, quantity

In production the middle three run in a watched child process (isolated.py) under the policy
of optimise.py: optimal or time-limited incumbent, else relaxed with the broken bounds named,
else the rule-based baseline (baseline.py) flagged as the fallback. day_ahead.py prepares the
inputs from the warehouse (measured.py: the state now and recent histories) and the forecasts,
and lands the plan; report.py and chart.py present it; realise.py runs a plan against the
actual day (for the benchmark's simulated week). calendar.py gives a local day's UTC intervals
(92/96/100), tariff.py the prices per interval, park_assets.py the asset tables from config.

Power is in kW (average over the interval), energy in kWh, money in CNY.
"""
