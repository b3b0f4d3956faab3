"""How the platform's jobs run against the park: harvest, dispatch, setpoints, scorecards, mail."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from jobs.common.config_types import (
    MAX_DURATION_S,
    DurationS,
    Host,
    Integer,
    Number,
    Port,
    PowerOrZeroKw,
    Strict,
    TimeOfDay,
    refuse_bool,
)
from jobs.common.park_sections import Language


class HarvestSettings(Strict):
    timeout_s: Annotated[Number, Field(gt=0, le=60)] = 1.0
    retries: Annotated[Integer, Field(ge=0, le=5)] = 1
    retry_delay_s: Annotated[Number, Field(ge=0, le=10)] = 0.05
    # a device that keeps failing is retried after backoff_initial_s, doubling up to the cap
    backoff_initial_s: DurationS = 30.0
    backoff_max_s: DurationS = 300.0
    frozen_after_cycles: Annotated[Integer, Field(ge=2, le=100)] = 3
    frozen_after_s: Annotated[Number, Field(ge=0, le=MAX_DURATION_S)] = 120.0
    clock_skew_tolerance_s: DurationS = 300.0
    max_concurrent_endpoints: Annotated[Integer, Field(ge=1, le=10000)] = 1000

    @model_validator(mode="after")
    def _backoff_grows_to_its_cap(self) -> HarvestSettings:
        if self.backoff_initial_s > self.backoff_max_s:
            raise ValueError(f"backoff_initial_s ({self.backoff_initial_s:g} s) is above "
                             f"backoff_max_s ({self.backoff_max_s:g} s): the back-off could "
                             "never start")
        return self


class DispatchSettings(Strict):
    """The day-ahead optimisation's conventions; defaults say where they come from."""

    interval_minutes: Annotated[Literal[5, 15, 30, 60], BeforeValidator(refuse_bool)] = 15
    # the grid's day-ahead deadline (local time): the plan for tomorrow is made before it
    deadline_local: TimeOfDay = "10:00"
    rel_gap: Annotated[Number, Field(gt=0, lt=1)] = 0.001  # 0.1 %
    time_limit_s: Annotated[Number, Field(gt=0, le=3600)] = 30.0
    # carbon price on grid-import emissions; 0 = plan for cost only
    carbon_price_cny_per_tco2: Annotated[Number, Field(ge=0, le=10_000)] = 0.0
    # wear per kWh discharged: ~1.0 CNY/Wh C&I turnkey price / (6,000 cycles x 2 kWh of
    # throughput per kWh of capacity) ~ 0.08; market_defaults.csv has the system prices
    battery_degradation_cny_per_kwh: Annotated[Number, Field(ge=0)] = 0.08
    # a vehicle leaving without its energy costs more than any tariff saving could repay
    ev_unserved_penalty_cny_per_kwh: Annotated[Number, Field(ge=0)] = 10.0
    # heat a waste-heat tank does not give comes from a gas boiler: natural gas at an
    # illustrative 3.5 CNY/Nm3 (Jiangsu industrial, 2025; replace with the park's contract),
    # NCV 38.93 MJ/Nm3 and EF 2.162 kgCO2/Nm3 (fuel_emission_factors.csv), boiler 90 %:
    # 3.5 / (10.81 x 0.9) = 0.36 CNY and 2.162 / (10.81 x 0.9) = 0.222 kgCO2 per kWh_th
    backup_heat_cny_per_kwh_th: Annotated[Number, Field(ge=0)] = 0.36
    backup_heat_kgco2_per_kwh_th: Annotated[Number, Field(ge=0)] = 0.222
    # a comfort breach of one kelvin for one hour in one zone, priced against energy savings
    comfort_breach_cny_per_kh: Annotated[Number, Field(ge=0)] = 50.0
    # the watchdog kills a solve that overruns HiGHS's time limit by this much (wall clock)
    watchdog_grace_s: Annotated[Number, Field(gt=0, le=600)] = 30.0
    # the plans hold the grid import this far (% of the month's metered peak so far) below
    # that peak where it pays: the demand charge is then priced from there, so that a load
    # above its forecast does not make a new monthly peak (intraday and day-ahead alike)
    peak_margin_pct: Annotated[Number, Field(ge=0, le=50)] = 5.0
    # intraday re-optimisation in the setpoints cycle (docs/intraday.md, "Production"); off:
    # the writer follows the day-ahead plan as it is
    intraday_enabled: bool = True
    # the intraday step's budget inside the 15-minute cycle (inputs, solve, answer): past it
    # the setpoints come from the day-ahead plan, and the writes still fit in the interval
    intraday_deadline_s: Annotated[Number, Field(gt=0, le=600)] = 60.0
    # the warm solver service exits after this long without a request (the platform stopped
    # calling it: it must not outlive its users)
    intraday_idle_exit_s: Annotated[Number, Field(ge=60, le=86_400)] = 3600.0

    @model_validator(mode="after")
    def _intraday_fits_its_cycle(self) -> DispatchSettings:
        cycle_s = self.interval_minutes * 60.0
        if self.intraday_deadline_s >= cycle_s / 2:
            raise ValueError(f"intraday_deadline_s ({self.intraday_deadline_s:g} s) must be "
                             f"below half the {self.interval_minutes}-minute cycle "
                             f"({cycle_s / 2:g} s): the writes follow within the interval")
        if self.intraday_idle_exit_s < 2 * cycle_s:
            raise ValueError(f"intraday_idle_exit_s ({self.intraday_idle_exit_s:g} s) must be "
                             f"at least two cycles ({2 * cycle_s:g} s), or the warm solver "
                             "exits between the cycles it serves")
        return self


class SetpointSettings(Strict):
    """How the setpoint writer may touch the devices; defaults say why."""

    # shadow mode: compute, clamp and audit every command, write nothing
    dry_run: bool = False
    # a plan made longer than this before the interval it commands is stale (the day-ahead
    # plan for tomorrow is made at 08:30, so its last interval is ~40 h old when it runs)
    max_plan_age_h: Annotated[Number, Field(gt=0, le=168)] = 42.0
    # largest change per 15-minute cycle, in the point's unit (a ramp limit); points not named
    # may jump (mode switches, heartbeats)
    ramp_limits: dict[str, Annotated[Number, Field(gt=0)]] = {
        "power_setpoint_kw": 500.0, "setpoint_c": 1.0, "power_limit_pct": 50.0,
        "current_limit_a": 16.0, "power_limit_kw": 100.0, "power_setpoint_kw_th": 400.0}
    # most setpoint writes to one device per hour, heartbeats apart (setpoints often live in
    # EEPROM): four cycles an hour, a few points each
    max_writes_per_hour: Annotated[Integer, Field(ge=1, le=360)] = 12
    # a read-back that differs is written again this many times before the breaker opens
    verify_retries: Annotated[Integer, Field(ge=0, le=5)] = 2
    # batteries: keep this much SOC (percentage points) from the window's edges when the
    # plan's SOC path and the measured SOC disagree
    soc_margin_pct: Annotated[Number, Field(ge=0, le=20)] = 2.0
    # keep the grid import this far below the contract limit (kW) when clamping charging and
    # when correcting live (battery discharge where PV drops)
    import_headroom_kw: PowerOrZeroKw = 100.0
    # demand control (需量控制): battery charging is cut where it would lift the grid import
    # above the month's highest import the writer has metered so far (a new monthly peak costs
    # the demand charge for the whole month; discharge is never added for it). Off by default:
    # on the twin (demo park, 10-12 July, plan controller) it cost 1 % more over 3 days, as
    # charging cut early in the month left the batteries emptier for the evening peak.
    peak_guard: bool = False
    # the devices' own watchdogs: the battery PCS reverts to safe mode, an inverter's power
    # limit lapses, if the platform has not renewed them for this long (two missed cycles)
    device_watchdog_s: Annotated[Integer, Field(ge=60, le=3600)] = 1800


class ScorecardSettings(Strict):
    """Traffic lights and the rules for warnings and penalties (annual assessment plus
    mid-term evaluation: rewards for the best, warnings or penalties for those who miss)."""

    # amber when the year-end projection is within this share of the cap or path value
    amber_margin_pct: Annotated[Number, Field(ge=0, le=50)] = 10.0
    # consecutive red months that bring a warning, and a penalty
    warning_after_red_months: Annotated[Integer, Field(ge=1, le=12)] = 1
    penalty_after_red_months: Annotated[Integer, Field(ge=1, le=12)] = 3
    # the scorecards' default language for contacts that do not state one
    default_language: Language = Language.ZH
    # worker processes that render the cards; None: one per CPU core, used only when the
    # month has enough cards to pay for starting them (jobs/scorecards/render_pool.py)
    render_processes: Annotated[Integer, Field(ge=1, le=64)] | None = None


class MailSettings(Strict):
    """Where scorecards are sent from; the password comes from the environment
    (PARK_SMTP_PASSWORD) or a Prefect Secret block, never from this file."""

    host: Host = "127.0.0.1"
    port: Port = 25
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    sender: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] = \
        "scorecards@park.example.cn"
    timeout_s: Annotated[Number, Field(gt=0, le=120)] = 20.0
    retries: Annotated[Integer, Field(ge=0, le=10)] = 3
    retry_delay_s: Annotated[Number, Field(ge=0, le=600)] = 5.0
    # a Prefect Secret block holding the password, used when PARK_SMTP_PASSWORD is not set
    password_block: str | None = None
