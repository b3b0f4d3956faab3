"""The month's valuation end to end on the small park's warehouse (June 2026): the ledger's
figures by hand from the allowances in the inbox and the warehouse's carbon account, the
landed rows in the marts after a rebuild, and the report through a real SMTP server on
loopback, sent once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import duckdb
import pypdfium2 as pdfium
import pytest

from jobs.scorecards.smtp_catcher import SmtpCatcher
from jobs.valuation.run import monthly_valuation
from jobs.warehouse.build import build_warehouse
from tests.jobs.scorecards.conftest import ALLOWANCES_TCO2, JUNE, _with_config

pytestmark = pytest.mark.integration
CEA_BASE, LTV = 70.0, 0.60  # market_defaults.csv: cea_price_base, allowance_pledge_ltv


def _configure(park, settings, port):
    def change(changed):
        changed["recipients"] = {"finance": [{"name": "财务总监", "email": "cfo@park.example.cn"},
                                             {"name": "Bank RM", "email": "rm@bank.example.com",
                                              "language": "en"}]}
        changed["mail"] = {"host": "127.0.0.1", "port": port, "security": "none",
                           "retry_delay_s": 0.01}
        # five weeks of data and no twin: every installed asset has insufficient data
        changed.setdefault("valuation", {})["simulated_year"] = {"enabled": False}
    return _with_config(park, settings.data_root, change)


# realised.py's join once warned (DataFrame.join's rsuffix is deprecated): no more
@pytest.mark.filterwarnings("error::pandas.errors.Pandas4Warning:jobs.valuation.realised")
def test_the_monthly_valuation_lands_reports_and_sends_once(built, tmp_path):
    park, settings, ids = built
    with SmtpCatcher(tmp_path / "mail") as catcher:
        configured = _configure(park, settings, catcher.port)
        run = monthly_valuation(configured, JUNE, cases=False)
        again = monthly_valuation(configured, JUNE, cases=False)
        received = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                    for p in catcher.messages]
    assert run.report.counts()["sent"] == 2 and again.report.counts()["sent"] == 0
    assert len(received) == 2

    first = next(r for r in run.valuations.ledger if r.entity_id == ids[0])
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        projected = connection.execute(
            "select projected_year_tco2 from fct_enterprise_carbon_accounts "
            "where entity_id = ? and month = ?", [ids[0], JUNE]).fetchone()[0]
    assert first.allowances_held_tco2 == ALLOWANCES_TCO2
    assert first.pledge_capacity_cny == pytest.approx(ALLOWANCES_TCO2 * CEA_BASE * LTV)  # 12,600
    assert first.projected_surplus_tco2 == pytest.approx(ALLOWANCES_TCO2 - projected, abs=1e-6)
    assert first.deficit_exposure_base_cny == pytest.approx(
        max(projected - ALLOWANCES_TCO2, 0.0) * CEA_BASE, abs=1e-4)
    assert projected > ALLOWANCES_TCO2  # the fixture's first tenant is short at its pace
    others = [r for r in run.valuations.ledger if r.entity_kind == "enterprise"
              and r.entity_id != ids[0]]
    assert all(r.allowances_held_tco2 is None and r.pledge_capacity_cny == 0 for r in others)

    pv_ids = {s.id for s in configured.park.assets.pv}
    battery_ids = {b.id for b in configured.park.assets.batteries}
    valued = {v.asset_id: v for v, _ in run.valuations.assets}
    assert set(valued) == pv_ids | battery_ids
    for asset in configured.park.assets.pv:  # capex = 3.0 CNY/W (ci_pv_capex) x kWp
        assert valued[asset.id].capex_cny == pytest.approx(asset.kwp * 1000 * 3.0)
        assert valued[asset.id].capex_source == "estimated"
    # 25 May - 30 June is no year, and no simulated year was allowed: no NPV, said so
    assert all(v.data_basis == "insufficient_data" and v.valuation is None
               for v in valued.values())

    # the park's total covers every consumer: the enterprises and the park's common loads
    park_row = next(r for r in run.valuations.ledger if r.entity_kind == "park")
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        whole_park, common = connection.execute(
            "select sum(ytd_accounted_tco2), sum(ytd_accounted_tco2) filter "
            "(where entity_kind <> 'enterprise') from fct_enterprise_carbon_accounts "
            "where month = ?", [JUNE]).fetchone()
    assert common > 0
    assert park_row.verified_emissions_ytd_tco2 == pytest.approx(whole_park, abs=1e-5)
    assert park_row.common_loads_ytd_tco2 == pytest.approx(common, abs=1e-5)

    assert build_warehouse(configured, unit_tests=False, quiet=True).success
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        marts = connection.execute(
            "select asset_id, npv_cny, run_id, data_basis from fct_asset_valuation "
            "where month = ?", [JUNE]).fetchall()
        ledger_rows = connection.execute(
            "select count(*), sum(pledge_capacity_cny) from fct_carbon_asset_ledger "
            "where month = ?", [JUNE]).fetchone()
    # the re-run landed too: the marts keep the later run only
    assert {row[2] for row in marts} == {again.valuations.run_id}
    assert {row[0]: (row[1], row[3]) for row in marts} == {
        v.asset_id: (None, "insufficient_data") for v, _ in again.valuations.assets}
    assert ledger_rows[0] == len(configured.park.enterprises) + 1
    assert ledger_rows[1] == pytest.approx(2 * ALLOWANCES_TCO2 * CEA_BASE * LTV)  # + park total

    chinese = next(m for m in received if "cfo@" in str(m["To"]))
    english = next(m for m in received if "rm@" in str(m["To"]))
    assert "碳资产" in str(chinese["Subject"]) and "valuation" in str(english["Subject"])
    [pdf] = [p for p in chinese.iter_attachments() if p.get_content_type() == "application/pdf"]
    document = pdfium.PdfDocument(pdf.get_content())
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "碳资产台账" in text and "质押" in text and "数据不足" in text
    assert str(dt.date(2025, 12, 31)) in text  # the price date is stated
