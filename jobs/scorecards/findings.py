"""What a card points out, derived from the enterprise's own month: when consumption leans into
peak hours (and what shifting some of it would save), a high night base load (neither for a
plant whose flat profile shows three shifts), data gaps, a
worsening intensity, an allowance deficit. Each is a Finding (key + params) that i18n words;
a finding appears only when the data shows it."""

from __future__ import annotations

import pandas as pd

from jobs.scorecards.model import CarbonAccount, DataQuality, Finding

INTERVAL_H = 0.25  # the warehouse's settlement interval
PEAK_PERIODS = ("critical_peak", "peak")
# A quarter of the month's electricity in peak periods: below it, what could move is small next
# to the base load that runs anyway; above it, shifting even a fifth of the peak-period load
# is worth an enterprise's attention (Jiangsu's peak windows are 8 h of 24, so a flat load
# sits at 33 % and a day-shift plant well above).
PEAK_SHARE_SHIFT_THRESHOLD_PCT = 25.0
# The part of the mean peak-period load taken as shiftable (pre-cooling, batch processes,
# charging, pumping): a conservative fifth; most plants cannot move more without changing
# shifts.
SHIFTABLE_SHARE_OF_PEAK_LOAD = 0.20
# Night = 00:00-05:00 local, when a day-shift plant should be near its base load.
NIGHT_START_HOUR, NIGHT_END_HOUR = 0, 5
# Above half the daytime peak at night, something runs around the clock: worth checking
# (a three-shift plant shows it legitimately: see the flat profile below).
NIGHT_BASE_LOAD_THRESHOLD_PCT = 50.0
# Day = 08:00-20:00 local, the hours a day shift works.
DAY_START_HOUR, DAY_END_HOUR = 8, 20
# A plant that runs three shifts: the mean night load is at least 80 % of the mean day load
# and the mean daily profile varies little (coefficient of variation of its quarter-hours at
# most 15 %). Its peak-hour share is just the share of peak hours in the day, and its night
# load is production, not waste: moving load to the valley would mean changing the shifts,
# so the peak-shift and night-base-load findings make no sense for it (a day-shift plant
# sits near 30-50 % night/day and a CV of 40 % and more).
FLAT_NIGHT_TO_DAY_MIN = 0.8
FLAT_PROFILE_CV_MAX = 0.15
# More than 2 % of the month's quarter-hours estimated or missing (about 14 h) moves monthly
# figures visibly; below it the interpolation's effect is within metering accuracy.
DATA_GAPS_THRESHOLD_PCT = 2.0
# Any rise: an intensity path asks for a fall every year.
INTENSITY_WORSENED_THRESHOLD_PCT = 0.0


def _hours(profile: pd.DataFrame) -> pd.Series:
    return pd.Series([int(str(slot)[:2]) for slot in profile.index], index=profile.index)


def flat_profile(profile: pd.DataFrame) -> dict[str, float] | None:
    """The shape of a three-shift plant (see FLAT_NIGHT_TO_DAY_MIN): night/day ratio and the
    profile's coefficient of variation when the mean daily profile (`profile`: load_kw by
    local HH:MM) has it, else None."""
    if profile.empty:
        return None
    load = profile["load_kw"].astype(float)
    hours = _hours(profile)
    night = load[(hours >= NIGHT_START_HOUR) & (hours < NIGHT_END_HOUR)]
    day = load[(hours >= DAY_START_HOUR) & (hours < DAY_END_HOUR)]
    if night.empty or day.empty or float(day.mean()) <= 0 or float(load.mean()) <= 0:
        return None
    ratio = float(night.mean()) / float(day.mean())
    cv = float(load.std(ddof=0)) / float(load.mean())
    if ratio < FLAT_NIGHT_TO_DAY_MIN or cv > FLAT_PROFILE_CV_MAX:
        return None
    return {"night_to_day_pct": 100.0 * ratio, "cv_pct": 100.0 * cv}


def peak_findings(priced: pd.DataFrame, days_in_month: int = 30) -> list[Finding]:
    """`priced`: the enterprise's intervals of the month with data, with consumption_kwh,
    tou_period, import_price_cny_per_kwh and valley_price_cny_per_kwh (of the tariff in force).

    peak_share: % of the month's electricity in peak and critical-peak periods (always
    stated when there is consumption). Above PEAK_SHARE_SHIFT_THRESHOLD_PCT,
    shift_to_valley_saving: move X kW = SHIFTABLE_SHARE_OF_PEAK_LOAD x the mean load over the
    month's peak-period intervals, for every peak-period interval, into valley hours; the
    saving is X x 0.25 h x (that interval's price - the valley price) summed over those
    intervals (energy charges only: demand charges and the valley's own capacity are not
    modelled). That is the saving over the days measured (quarter-hours with data / 96);
    cny_per_month scales it to the calendar month (per measured day x `days_in_month`), and
    the words say from how many days."""
    total_kwh = float(priced["consumption_kwh"].sum()) if len(priced) else 0.0
    if total_kwh <= 0:
        return []
    peak = priced[priced["tou_period"].isin(PEAK_PERIODS)]
    share_pct = 100.0 * float(peak["consumption_kwh"].sum()) / total_kwh
    findings = [Finding("peak_share", {"share": share_pct}, "info")]
    spread = peak["import_price_cny_per_kwh"] - peak["valley_price_cny_per_kwh"]
    if share_pct <= PEAK_SHARE_SHIFT_THRESHOLD_PCT or spread.isna().all():
        return findings
    mean_peak_kw = float(peak["consumption_kwh"].sum()) / (len(peak) * INTERVAL_H)
    shift_kw = SHIFTABLE_SHARE_OF_PEAK_LOAD * mean_peak_kw
    saving_cny = shift_kw * INTERVAL_H * float(spread.sum())
    if saving_cny <= 0:
        return findings
    days_measured = len(priced) * INTERVAL_H / 24.0
    findings.append(Finding("shift_to_valley_saving", {
        "kw": shift_kw, "cny": saving_cny, "days": days_measured,
        "days_in_month": days_in_month,
        "cny_per_month": saving_cny / days_measured * days_in_month,
        "shifted_kwh": shift_kw * INTERVAL_H * len(peak),
        "mean_peak_load_kw": mean_peak_kw,
        "shiftable_share_pct": 100.0 * SHIFTABLE_SHARE_OF_PEAK_LOAD,
        "mean_spread_cny_per_kwh": float(spread.mean())}, "saving"))
    return findings


def night_base_load_finding(profile: pd.DataFrame) -> Finding | None:
    """The mean load 00:00-05:00 as % of the peak of the month's mean daily profile
    (`profile`: load_kw indexed by local HH:MM)."""
    if profile.empty:
        return None
    hours = _hours(profile)
    night = profile.loc[(hours >= NIGHT_START_HOUR) & (hours < NIGHT_END_HOUR), "load_kw"]
    day_peak_kw = float(profile["load_kw"].max())
    if night.empty or day_peak_kw <= 0:
        return None
    share_pct = 100.0 * float(night.mean()) / day_peak_kw
    if share_pct <= NIGHT_BASE_LOAD_THRESHOLD_PCT:
        return None
    return Finding("night_base_load", {"share": share_pct, "night_kw": float(night.mean()),
                                       "day_peak_kw": day_peak_kw}, "info")


def data_gaps_finding(quality: DataQuality) -> Finding | None:
    if quality.intervals_expected <= 0:
        return None
    gaps = quality.intervals_estimated + quality.intervals_missing
    share_pct = 100.0 * gaps / quality.intervals_expected
    if share_pct <= DATA_GAPS_THRESHOLD_PCT:
        return None
    return Finding("data_gaps", {"share": share_pct, "estimated": quality.intervals_estimated,
                                 "missing": quality.intervals_missing}, "warning")


def intensity_worsened_finding(change_pct: float | None) -> Finding | None:
    if change_pct is None or change_pct <= INTENSITY_WORSENED_THRESHOLD_PCT:
        return None
    return Finding("intensity_worsened", {"change": change_pct}, "warning")


def allowance_deficit_finding(account: CarbonAccount) -> Finding | None:
    """The allowances fall short of the year's emissions at the pace so far (or already)."""
    shortfalls = [-s for s in (account.projected_surplus_tco2, account.surplus_tco2)
                  if s is not None and s < 0]
    if not shortfalls:
        return None
    return Finding("allowance_deficit", {"tco2": max(shortfalls), "status": account.status},
                   "warning")


def enterprise_findings(priced: pd.DataFrame, profile: pd.DataFrame, quality: DataQuality,
                        intensity_change_pct: float | None, account: CarbonAccount,
                        days_in_month: int = 30) -> list[Finding]:
    """A flat, round-the-clock profile (flat_profile) gets a flat_load finding instead of the
    peak shift and the night base load, which make no sense for it."""
    flat = flat_profile(profile)
    shape: list[Finding | None]
    if flat is not None:
        shape = [*(f for f in peak_findings(priced, days_in_month)
                   if f.key == "peak_share"), Finding("flat_load", flat, "info")]
    else:
        shape = [*peak_findings(priced, days_in_month), night_base_load_finding(profile)]
    found: list[Finding | None] = [*shape,
             data_gaps_finding(quality), intensity_worsened_finding(intensity_change_pct),
             allowance_deficit_finding(account)]
    return [finding for finding in found if finding is not None]
