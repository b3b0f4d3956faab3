"""The scorecards' data on a real warehouse built from the twin's history (25 May - 30 June
2026, 15-minute samples): figures equal the marts', TOU shares and the shift saving by hand,
the lights at their boundaries, warnings and penalties, demand response and dispatch savings
from landed plans, and honest cards for a meter faulted for days, a month without output
values and an enterprise added to the config after the history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from jobs.common.frames import to_frame
from jobs.common.park_config import EnterpriseTargets, ScorecardSettings
from jobs.scorecards import periods as data_module
from jobs.scorecards.data import (
    build_enterprise_scorecards,
    build_park_scorecard,
    intervals_between,
)
from jobs.scorecards.findings import SHIFTABLE_SHARE_OF_PEAK_LOAD
from jobs.scorecards.lights import consecutive_red_months, upper_limit_light, worst_light
from tests.jobs.scorecards.conftest import (
    ALLOWANCES_TCO2,
    JUNE,
    JUNE_PERIODS,
    MAY,
    NEW_ID,
    NOW,
    PEAK_PRICE,
    VALLEY_PRICE,
    _with_config,
)

pytestmark = pytest.mark.integration
def _marts(settings, sql: str, params=()) -> pd.DataFrame:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        return to_frame(connection.execute(sql, list(params)))


def _cards(settings, month=JUNE, **kwargs) -> dict:
    return {c.enterprise_id: c for c in build_enterprise_scorecards(settings, month,
                                                                    now_utc=NOW, **kwargs)}


def _retarget(built, targets: dict[int, EnterpriseTargets],
              rules: ScorecardSettings | None = None):
    park, settings, ids = built

    def change(changed: dict) -> None:
        changed["enterprises"].append({"id": NEW_ID, "name_zh": "新来材料",
                                       "name_en": "Xinlai Materials", "industry": "materials"})
        for index, target in targets.items():
            changed["enterprises"][index]["targets"] = target.model_dump()
        if rules is not None:
            changed["scorecards"] = rules.model_dump(mode="json")

    return _with_config(park, Path(settings.data_root), change)


@pytest.fixture(autouse=True)
def may_counts_as_a_month(monkeypatch):
    """The history starts on 25 May: these tests compare June with those 7 days as if May
    were whole (the threshold's own test below puts it back)."""
    monkeypatch.setattr(data_module, "MIN_COMPARABLE_SHARE", 0.2)


def test_a_partial_month_is_no_comparison(built, monkeypatch):
    """With the default threshold (80 % of a month's quarter-hours), May's 7 days are no
    month to compare June with: last month's figures and the intensity change are None."""
    monkeypatch.setattr(data_module, "MIN_COMPARABLE_SHARE", 0.8)
    _, settings, ids = built
    cards = _cards(settings)
    for enterprise in ids:
        for figure in cards[enterprise].headline:
            if figure.key not in ("dr_events", "dr_income_cny"):
                assert figure.previous_month is None, (enterprise, figure.key)
        assert "intensity_worsened" not in {f.key for f in cards[enterprise].findings}
        assert cards[enterprise].rank_by_improvement is None


def test_headline_figures_are_the_marts_with_last_month(built):
    _, settings, ids = built
    cards = _cards(settings)
    marts = _marts(settings, """
        select kpis.entity_id, kpis.month, kpis.electricity_kwh, kpis.energy_tce,
            kpis.scope1_tco2, kpis.scope2_location_tco2, kpis.scope2_market_tco2,
            kpis.emissions_tco2 / kpis.output_value_10k_cny as intensity,
            carbon.renewable_electricity_share_pct, carbon.pv_allocated_kwh
        from fct_enterprise_monthly_kpis as kpis
        inner join fct_enterprise_monthly_carbon as carbon using (entity_id, month)""")
    marts["month"] = pd.to_datetime(marts["month"]).dt.date
    columns = {"electricity_kwh": "electricity_kwh", "energy_tce": "energy_tce",
               "scope1_tco2": "scope1_tco2", "scope2_location_tco2": "scope2_location_tco2",
               "scope2_market_tco2": "scope2_market_tco2",
               "intensity_tco2_per_10k_cny": "intensity",
               "renewable_share_pct": "renewable_electricity_share_pct",
               "pv_self_consumed_kwh": "pv_allocated_kwh"}
    for enterprise in ids:
        figures = {f.key: f for f in cards[enterprise].headline}
        for key, column in columns.items():
            for month, got in ((JUNE, figures[key].value), (MAY, figures[key].previous_month)):
                row = marts[(marts["entity_id"] == enterprise) & (marts["month"] == month)]
                want = row[column].iloc[0]
                if pd.isna(want):
                    assert got is None, (enterprise, key, month)
                else:
                    assert got == pytest.approx(want, rel=1e-6, abs=1e-6), (enterprise, key)
            assert figures[key].same_month_last_year is None  # nothing a year back: not 0
    gas_user = {f.key: f for f in cards[ids[0]].headline}
    assert gas_user["scope1_tco2"].value > 0
    assert cards[ids[0]].emissions_by_source_tco2.to_dict() == pytest.approx(
        {"electricity": gas_user["scope2_location_tco2"].value,
         "natural_gas": gas_user["scope1_tco2"].value})
    assert list(cards[ids[1]].emissions_by_source_tco2.index) == ["electricity"]  # no gas
    trend = cards[ids[0]].trend
    assert list(trend["month"].dt.date) == [MAY, JUNE]
    assert trend["electricity_kwh"].tolist() == pytest.approx(
        [gas_user["electricity_kwh"].previous_month, gas_user["electricity_kwh"].value])


def test_demand_response_and_dispatch_saving_from_the_plans_in_force(built):
    _, settings, ids = built
    cards = _cards(settings)
    dr = {e: {f.key: f for f in cards[e].headline} for e in ids}
    # the first tenant: the park-wide event and its own; income from its own only,
    # 40 kW committed for 4 quarter-hours at 4 CNY/kWh
    assert (dr[ids[0]]["dr_events"].value, dr[ids[0]]["dr_events"].previous_month) == (2, 0)
    assert dr[ids[0]]["dr_income_cny"].value == pytest.approx(40 * 4 * 0.25 * 4.0)
    assert (dr[ids[1]]["dr_events"].value, dr[ids[1]]["dr_events"].previous_month) == (1, 1)
    assert dr[ids[1]]["dr_income_cny"].value is None  # no event of its own was planned
    park = build_park_scorecard(settings, JUNE, now_utc=NOW)
    figures = {f.key: f for f in park.headline}
    assert (figures["dr_events"].value, figures["dr_events"].previous_month) == (2, 1)
    # the park-wide event under the later run of 15 June (120 kW, 8 intervals, 3 CNY/kWh)
    assert figures["dr_income_cny"].value == pytest.approx(120 * 8 * 0.25 * 3.0 + 160.0)
    assert park.dispatch_saving_cny == pytest.approx((1300 - 1000) + (1000 - 900))
    assert build_park_scorecard(settings, MAY, now_utc=NOW).dispatch_saving_cny is None


def test_tou_shares_profile_and_the_shift_saving_by_hand(built):
    _, settings, ids = built
    card = _cards(settings)[ids[0]]
    rows = _marts(settings, """
        select interval_start_local, consumption_kwh, pv_allocated_kwh
        from fct_enterprise_interval_energy
        where entity_id = ? and local_date >= ? and local_date < ?""",
                  [ids[0], JUNE, dt.date(2026, 7, 1)])
    rows["period"] = pd.to_datetime(rows["interval_start_local"]).dt.hour.map(JUNE_PERIODS)
    by_hand = rows.groupby("period")["consumption_kwh"].sum()
    assert set(card.tou_shares_kwh.index) == {"peak", "flat", "valley"}
    for period, kwh in by_hand.items():
        assert card.tou_shares_kwh[period] == pytest.approx(kwh)

    findings = {f.key: f for f in card.findings}
    peak = rows[rows["period"] == "peak"]
    share = 100 * peak["consumption_kwh"].sum() / rows["consumption_kwh"].sum()
    assert findings["peak_share"].params["share"] == pytest.approx(share)
    assert share > 25
    shift_kw = SHIFTABLE_SHARE_OF_PEAK_LOAD * peak["consumption_kwh"].mean() * 4
    saving = findings["shift_to_valley_saving"]
    assert saving.severity == "saving"
    assert saving.params["kw"] == pytest.approx(shift_kw)
    assert saving.params["cny"] == pytest.approx(
        shift_kw * 0.25 * len(peak) * (PEAK_PRICE - VALLEY_PRICE))

    ten = rows[pd.to_datetime(rows["interval_start_local"]).dt.strftime("%H:%M") == "10:00"]
    assert card.daily_profile.loc["10:00", "load_kw"] == pytest.approx(
        ten["consumption_kwh"].mean() * 4)
    assert card.daily_profile.loc["10:00", "pv_kw"] == pytest.approx(
        ten["pv_allocated_kwh"].mean() * 4)
    assert len(card.daily_profile) == 96


def test_a_meter_faulted_for_days_shows_its_gaps(built):
    _, settings, ids = built
    cards = _cards(settings)
    counts = _marts(settings, """
        select entity_id, count(*) filter (where interval_quality = 'measured') as measured,
            count(*) filter (where interval_quality = 'estimated') as estimated
        from fct_enterprise_interval_energy
        where local_date >= ? and local_date < ? group by entity_id""",
                    [JUNE, dt.date(2026, 7, 1)]).set_index("entity_id")
    for enterprise in (ids[0], ids[2]):  # meters healthy: the mart's counts
        quality = cards[enterprise].data_quality
        assert quality.intervals_expected == 30 * 96
        assert quality.intervals_measured == counts.loc[enterprise, "measured"]
        assert quality.intervals_estimated == counts.loc[enterprise, "estimated"]
        assert quality.intervals_missing == 30 * 96 - counts.loc[enterprise].sum()

    # the feeder's own intervals: the mart keeps the enterprise's rows (its HVAC still
    # reports) while the feeder is down, marked incomplete; the card counts from the meter
    feeder = _marts(settings, """
        select count(*) as intervals,
            count(*) filter (where interval_quality = 'estimated') as estimated
        from fct_interval_energy
        where device_id = ? and energy_flow = 'enterprise_load'
            and local_date >= ? and local_date < ?""",
                    [f"meter-{ids[1]}-01", JUNE, dt.date(2026, 7, 1)]).iloc[0]
    faulted = cards[ids[1]]
    quality = faulted.data_quality
    assert counts.loc[ids[1]].sum() == feeder["intervals"]  # the rest are incomplete
    assert quality.intervals_missing == 30 * 96 - feeder["intervals"]
    assert quality.intervals_missing > 8 * 96  # 8.5 days: longer than the warehouse bridges
    assert quality.intervals_estimated == feeder["estimated"]
    gaps = {f.key: f for f in faulted.findings}["data_gaps"]
    assert gaps.severity == "warning"
    assert gaps.params["share"] == pytest.approx(
        100 * (quality.intervals_estimated + quality.intervals_missing) / (30 * 96))
    assert "data_gaps" not in {f.key for f in cards[ids[0]].findings}
    # its figures are what was metered, not scaled up
    assert {f.key: f for f in faulted.headline}["electricity_kwh"].value == pytest.approx(
        _marts(settings, "select electricity_kwh from fct_enterprise_monthly_kpis "
                         "where entity_id = ? and month = ?", [ids[1], JUNE]).iloc[0, 0])
    # its profile is the mean over the intervals it has, not dragged down by the gap's zeros
    metered = _marts(settings, """
        select avg(kwh) * 4 from (
            select sum(case when energy_flow = 'enterprise_load' then energy_kwh
                            else -energy_kwh end) as kwh
            from fct_interval_energy
            where device_id = ? and local_date >= ? and local_date < ?
                and energy_flow in ('enterprise_load', 'enterprise_export')
                and strftime(interval_start_local, '%H:%M') = '03:00'
            group by interval_start_utc)""",
                     [f"meter-{ids[1]}-01", JUNE, dt.date(2026, 7, 1)]).iloc[0, 0]
    assert faulted.daily_profile.loc["03:00", "load_kw"] == pytest.approx(metered)

    # the cap's year-end projection is the carbon account's (one source with the ledger;
    # whether its pace leaves out the feeder's gap is the mart's to say)
    capped = _cards(_retarget(built, {1: EnterpriseTargets(annual_cap_tco2=10_000.0)}))[ids[1]]
    cap = {t.key: t for t in capped.targets}["annual_cap_tco2"]
    account = _marts(settings, "select ytd_accounted_tco2, projected_year_tco2 from "
                               "fct_enterprise_carbon_accounts where entity_id = ? and month = ?",
                     [ids[1], JUNE]).iloc[0]
    assert (cap.actual, cap.projected) == pytest.approx(
        (account["ytd_accounted_tco2"], account["projected_year_tco2"]))

    # a running month expects only the quarter-hours so far
    halfway = dt.datetime(2026, 6, 15, 16, 0, tzinfo=dt.UTC)  # 16 June, 00:00 local
    running = build_enterprise_scorecards(settings, JUNE, now_utc=halfway)[0]
    assert running.data_quality.intervals_expected == 15 * 96


def test_cap_lights_at_their_boundaries(built):
    _, settings, ids = built
    # the cap is the carbon account's: Scope 1 + grid electricity at the allowance factor,
    # projected as the ledger projects it (emitted / days measured x 365), one source
    months = _marts(settings, """
        select sum(accounted_tco2) as tco2, sum(intervals) as intervals,
            max(projected_year_tco2) filter (where month = ?) as mart_projection
        from fct_enterprise_carbon_accounts
        inner join fct_enterprise_monthly_carbon using (entity_id, month)
        where entity_id = ? and month <= ?""", [JUNE, ids[0], JUNE])
    to_date, intervals = float(months["tco2"].iloc[0]), int(months["intervals"].iloc[0])
    projected = to_date / (intervals / 96) * 365
    assert projected == pytest.approx(months["mart_projection"].iloc[0])
    expected = {projected * 0.99: "red", projected / 0.95: "amber", projected / 0.85: "green"}
    for cap, light in expected.items():
        card = _cards(_retarget(built, {0: EnterpriseTargets(annual_cap_tco2=cap)}))[ids[0]]
        status = {t.key: t for t in card.targets}["annual_cap_tco2"]
        assert (status.target, status.actual) == pytest.approx((cap, to_date))
        assert status.projected == pytest.approx(projected)
        assert status.light == light and card.overall_light == light
    untargeted = _cards(settings)[ids[0]]
    assert {t.light for t in untargeted.targets} == {"grey"}
    assert untargeted.overall_light == "grey"


def test_light_rules_by_hand():
    assert upper_limit_light(100.0, 100.0, 10.0) == "amber"  # at the cap: not over it
    assert upper_limit_light(100.0001, 100.0, 10.0) == "red"
    assert upper_limit_light(90.0, 100.0, 10.0) == "amber"  # the margin's edge is amber
    assert upper_limit_light(89.999, 100.0, 10.0) == "green"
    assert upper_limit_light(None, 100.0, 10.0) == upper_limit_light(5.0, None, 10.0) == "grey"
    assert worst_light(["green", "grey", "amber"]) == "amber"
    assert worst_light(["grey", "grey"]) == "grey"
    lights = {MAY: "red", JUNE: "red", dt.date(2026, 4, 1): "amber"}
    assert consecutive_red_months(lights, JUNE) == 2
    assert consecutive_red_months({JUNE: "red"}, dt.date(2026, 7, 1)) == 0


def test_intensity_path_ranks_and_a_month_without_output(built):
    _, settings, ids = built
    path = EnterpriseTargets(intensity_base_year=2024, intensity_base_tco2_per_10k_cny=0.5,
                             intensity_reduction_pct_per_year=10.0)
    cards = _cards(_retarget(built, {1: path, 2: path}))
    kpis = _marts(settings, """
        select entity_id, month, emissions_tco2, output_value_10k_cny,
            carbon_intensity_tco2_per_10k_cny as intensity, rank_by_carbon_intensity as rank
        from fct_enterprise_monthly_kpis where entity_kind = 'enterprise'""")
    kpis["month"] = pd.to_datetime(kpis["month"]).dt.date
    b = kpis[kpis["entity_id"] == ids[1]]
    status = {t.key: t for t in cards[ids[1]].targets}["intensity_path_tco2_per_10k_cny"]
    assert status.target == pytest.approx(0.5 * 0.9 ** 2)
    assert status.actual == pytest.approx(b["emissions_tco2"].sum()
                                          / b["output_value_10k_cny"].sum())
    assert status.light == upper_limit_light(status.actual, status.target, 10.0)

    # no output value for June: no intensity, its path target grey, no rank
    silent = cards[ids[2]]
    assert {f.key: f for f in silent.headline}["intensity_tco2_per_10k_cny"].value is None
    assert {t.key: t for t in silent.targets}["intensity_path_tco2_per_10k_cny"].light == "grey"
    assert silent.rank_by_intensity is None and silent.rank_by_improvement is None

    june = kpis[kpis["month"] == JUNE].set_index("entity_id")
    may = kpis[kpis["month"] == MAY].set_index("entity_id")
    change = {e: 100 * (june.loc[e, "intensity"] - may.loc[e, "intensity"])
              / may.loc[e, "intensity"] for e in ids[:2]}
    for enterprise in ids[:2]:
        card = cards[enterprise]
        assert card.enterprises_ranked == 2
        assert card.rank_by_intensity == june.loc[enterprise, "rank"]
        assert card.rank_by_improvement == 1 + sum(c < change[enterprise]
                                                   for c in change.values())
        worsened = [f for f in card.findings if f.key == "intensity_worsened"]
        assert bool(worsened) == (change[enterprise] > 0)
        if worsened:
            assert worsened[0].params["change"] == pytest.approx(change[enterprise])


def test_a_brand_new_enterprise_gets_an_honest_card(built):
    _, settings, _ = built
    card = _cards(settings)[NEW_ID]
    assert card.is_new
    assert all(f.value is None and f.previous_month is None
               and f.same_month_last_year is None for f in card.headline)
    assert card.rank_by_intensity is None and card.rank_by_improvement is None
    assert card.overall_light == "grey"
    assert card.trend.empty and card.daily_profile.empty and card.tou_shares_kwh.empty
    assert card.data_quality.intervals_missing == card.data_quality.intervals_expected == 2880
    assert [f.key for f in card.findings] == ["data_gaps"]
    assert card.carbon_account.status == "no_allowances"
    # the first month of the history has no month before it either
    may = _cards(settings, MAY)
    assert all(c.is_new and c.rank_by_improvement is None for c in may.values())


def test_the_carbon_account_and_its_deficit(built):
    _, settings, ids = built
    card = _cards(settings)[ids[0]]
    row = _marts(settings, "select * from fct_enterprise_carbon_accounts "
                           "where entity_id = ? and month = ?", [ids[0], JUNE]).iloc[0]
    account = card.carbon_account
    assert account.allowances_tco2 == pytest.approx(ALLOWANCES_TCO2)
    assert (account.month_tco2, account.year_to_date_tco2, account.surplus_tco2,
            account.projected_surplus_tco2) == pytest.approx(
        (row["accounted_tco2"], row["ytd_accounted_tco2"], row["surplus_to_date_tco2"],
         row["projected_year_end_surplus_tco2"]))
    assert account.status == row["account_status"] == "deficit_projected"
    deficit = {f.key: f for f in card.findings}["allowance_deficit"]
    assert deficit.params["tco2"] == pytest.approx(-row["projected_year_end_surplus_tco2"])


def test_warnings_penalties_and_the_league(built):
    _, settings, ids = built
    tiny = {0: EnterpriseTargets(annual_cap_tco2=1.0)}  # red in May and in June
    strict = ScorecardSettings(warning_after_red_months=1, penalty_after_red_months=2)
    park = build_park_scorecard(_retarget(built, tiny, strict), JUNE, now_utc=NOW)
    assert [(f.enterprise_id, f.action, f.rule, f.detail["months"]) for f in park.flagged] == [
        (ids[0], "penalty", "penalty_after_red_months", 2)]
    lenient = ScorecardSettings(warning_after_red_months=2, penalty_after_red_months=3)
    park = build_park_scorecard(_retarget(built, tiny, lenient), JUNE, now_utc=NOW)
    assert [(f.enterprise_id, f.action) for f in park.flagged] == [(ids[0], "warning")]
    assert build_park_scorecard(settings, JUNE, now_utc=NOW).flagged == []

    league = park.league
    assert list(league.columns) == ["enterprise_id", "name_zh", "name_en", "intensity",
                                    "change_pct", "light", "rank"]
    assert len(league) == len(settings.park.enterprises)
    assert list(league["rank"][:2]) == [1, 2]  # ranked first, by intensity
    assert set(league["enterprise_id"][2:]) == {ids[2], NEW_ID}
    assert league["rank"][2:].isna().all()
    assert league.set_index("enterprise_id").loc[ids[0], "light"] == "red"


def test_the_park_card(built):
    _, settings, _ = built
    park = build_park_scorecard(settings, JUNE, now_utc=NOW)
    months = _marts(settings, "select * from fct_park_monthly_kpis order by month")
    june = months.iloc[-1]
    assert park.core_indicator_month == pytest.approx(june["core_indicator_tco2_per_tce"])
    assert park.core_indicator_year_to_date == pytest.approx(
        months["core_indicator_tco2"].sum() / months["energy_tce"].sum())
    assert park.core_indicator_rolling_12m == pytest.approx(
        june["rolling_12m_core_indicator_tco2_per_tce"])
    assert park.core_indicator_limit == pytest.approx(june["core_indicator_limit_tco2_per_tce"])
    assert park.core_indicator_light == "red"  # a park of grid electricity: far above 0.2

    figures = {f.key: f for f in park.headline}
    for key, column in (("grid_import_kwh", "grid_import_kwh"),
                        ("pv_generation_kwh", "pv_generation_kwh"),
                        ("consumption_kwh", "electricity_kwh"),
                        ("self_sufficiency_pct", "self_sufficiency_pct"),
                        ("renewable_absorption_pct", "renewable_absorption_pct"),
                        ("peak_import_kw", "peak_import_kw"), ("scope1_tco2", "scope1_tco2")):
        assert figures[key].value == pytest.approx(june[column])
        assert figures[key].previous_month == pytest.approx(months.iloc[0][column])
        assert figures[key].same_month_last_year is None
    # the direct green line (绿电直连) is supply beside the grid: its own row, from the meters'
    # intervals (this park has none: 0, not a missing row; the demo park's card shows 27 MWh)
    green_kwh = _marts(settings, """
        select coalesce(sum(direct_green_import_kwh), 0) as kwh from fct_energy_balance
        where local_date >= ? and local_date < ?""", [JUNE, dt.date(2026, 7, 1)]).iloc[0]["kwh"]
    assert figures["direct_green_import_kwh"].value == pytest.approx(green_kwh)

    reference = pd.read_csv(Path(__file__).parents[3] / "dbt_project" / "seeds"
                            / "zero_carbon_park_indicators.csv")
    assert len(park.indicators) == (reference["kind"] == "guiding").sum()
    [clean] = [i for i in park.indicators if i.value is not None]
    assert clean.name_zh == "清洁能源消费占比" and clean.target == "≥ 90 %"
    assert clean.value == pytest.approx((months["clean_energy_share_pct"]
                                         * months["energy_tce"]).sum()
                                        / months["energy_tce"].sum())
    assert clean.status == "not_met"
    assert {i.status for i in park.indicators if i is not clean} == {"not_measured"}

    # the balance: intervals present, with estimates, and measured but not closing (the
    # faulted feeder's 8.5 days: the consumers' sums lack it, so they are not "measured")
    balance = _marts(settings, """
        select count(*) as n, count(*) filter (where estimated_flows > 0) as e,
            count(*) filter (where estimated_flows = 0 and not balance_closes) as open
        from fct_energy_balance where local_date >= ?""", [JUNE]).iloc[0]
    assert balance["open"] > 8 * 96
    assert park.data_quality.intervals_expected == 2880
    assert park.data_quality.intervals_estimated == balance["e"]
    assert park.data_quality.intervals_missing == 2880 - balance["n"] + balance["open"]
    assert park.data_quality.intervals_measured == balance["n"] - balance["e"] - balance["open"]

    path = park.trajectory.set_index("year")
    emitted = months["core_indicator_tco2"].sum()
    # the pace over the intervals whose consumer split is complete (the gap's left out)
    complete = _marts(settings, "select count(*) from fct_energy_balance "
                                "where balance_closes or estimated_flows > 0").iloc[0, 0]
    # annualised as the carbon accounts are: emitted / days measured x 365 (the year has
    # 2 months of data, so no whole-year actual is plotted for it)
    level = emitted / (complete / 96) * 365
    assert path.loc[2026, "projected_tco2"] == pytest.approx(level)
    assert path.loc[2026, "days_measured"] == pytest.approx(complete / 96)
    assert pd.isna(path.loc[2026, "actual_tco2"])  # two months are not a year
    assert path.loc[2026, "months_with_data"] == 2
    assert pd.isna(path.loc[2027, "actual_tco2"])  # the future
    assert path.loc[2026, "path_tco2"] == path.loc[2030, "path_tco2"] == pytest.approx(level)
    assert path.loc[2038, "path_tco2"] == pytest.approx(level * (2045 - 2038) / (2045 - 2030))
    assert path.loc[2045, "path_tco2"] == 0.0 and path.index.max() == 2045


def test_a_month_must_start_on_its_first_day(built):
    _, settings, _ = built
    with pytest.raises(ValueError, match="first day"):
        build_enterprise_scorecards(settings, dt.date(2026, 6, 2))


def test_expected_intervals_follow_the_calendar():
    """Daylight saving shortens March and lengthens October by an hour in Berlin; Shanghai
    keeps 96 a day."""
    assert intervals_between(dt.date(2026, 3, 1), dt.date(2026, 4, 1), "Europe/Berlin") \
        == 31 * 96 - 4
    assert intervals_between(dt.date(2026, 10, 1), dt.date(2026, 11, 1), "Europe/Berlin") \
        == 31 * 96 + 4
    assert intervals_between(JUNE, dt.date(2026, 7, 1), "Asia/Shanghai") == 30 * 96
