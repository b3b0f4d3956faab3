"""What a card points out, derived from the enterprise's own month: when consumption leans into
peak hours (and what shifting some of it would save), a high night base load, data gaps, a
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
# (a three-shift plant will show it legitimately; the card says what, not why).
NIGHT_BASE_LOAD_THRESHOLD_PCT = 50.0
# More than 2 % of the month's quarter-hours estimated or missing (about 14 h) moves monthly
# figures visibly; below it the interpolation's effect is within metering accuracy.
DATA_GAPS_THRESHOLD_PCT = 2.0
# Any rise: an intensity path asks for a fall every year.
INTENSITY_WORSENED_THRESHOLD_PCT = 0.0


def peak_findings(priced: pd.DataFrame) -> list[Finding]:
    """`priced`: the enterprise's intervals of the month with consumption_kwh, tou_period,
    import_price_cny_per_kwh and valley_price_cny_per_kwh (of the tariff in force).

    peak_share: % of the month's electricity in peak and critical-peak periods (always
    stated when there is consumption). Above PEAK_SHARE_SHIFT_THRESHOLD_PCT,
    shift_to_valley_saving: move X kW = SHIFTABLE_SHARE_OF_PEAK_LOAD x the mean load over the
    month's peak-period intervals, for every peak-period interval, into valley hours; the
    saving is X x 0.25 h x (that interval's price - the valley price) summed over those
    intervals (energy charges only: demand charges and the valley's own capacity are not
    modelled)."""
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
    findings.append(Finding("shift_to_valley_saving", {
        "kw": shift_kw, "cny": saving_cny, "shifted_kwh": shift_kw * INTERVAL_H * len(peak),
        "mean_peak_load_kw": mean_peak_kw,
        "shiftable_share_pct": 100.0 * SHIFTABLE_SHARE_OF_PEAK_LOAD,
        "mean_spread_cny_per_kwh": float(spread.mean())}, "saving"))
    return findings


def night_base_load_finding(profile: pd.DataFrame) -> Finding | None:
    """The mean load 00:00-05:00 as % of the peak of the month's mean daily profile
    (`profile`: load_kw indexed by local HH:MM)."""
    if profile.empty:
        return None
    hours = pd.Series([int(str(slot)[:2]) for slot in profile.index], index=profile.index)
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
                        intensity_change_pct: float | None,
                        account: CarbonAccount) -> list[Finding]:
    found = [*peak_findings(priced), night_base_load_finding(profile),
             data_gaps_finding(quality), intensity_worsened_finding(intensity_change_pct),
             allowance_deficit_finding(account)]
    return [finding for finding in found if finding is not None]
