"""The financing view of a valued project: does it meet the green-bond hurdles, can it carry
the configured loan, and how a PPP split of its capital pays each side.

Loan: `loan_share_pct` of the capex, level annuity at `loan_rate_pct` over `loan_tenor_years`;
the DSCR of each loan year is that year's operating cash flow (net cash flow without the
capex) over the debt service. PPP, as in the source text's example (a special government fund
puts in 20 % of the project capital and brings in 80 % private capital; the private partner
operates and earns the return): the government's share is a capital injection that asks no
return, so the private side's IRR is that of its own capital against all operating cash flows;
the government's side is measured by the private capital it mobilised and the carbon the
project avoids per 10,000 CNY of public money.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from jobs.common.park_config import FinancingRules
from jobs.valuation import finance
from jobs.valuation.cashflows import Valuation


@dataclass(frozen=True)
class FinancingView:
    meets_irr_hurdle: bool
    meets_payback_hurdle: bool
    loan_cny: float
    debt_service_cny_per_year: float
    min_dscr: float | None  # None: no loan year with cash to test
    mean_dscr: float | None
    meets_dscr: bool
    green_bond_eligible: bool  # all three
    ppp_government_capital_cny: float
    ppp_private_capital_cny: float
    ppp_private_irr: float | None
    ppp_private_cny_per_government_cny: float | None
    ppp_tco2_per_10k_government_cny: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def financing_view(flows: pd.DataFrame, valuation: Valuation, rules: FinancingRules
                   ) -> FinancingView:
    capex = -float(flows["capex_cny"].iloc[0])
    operating = flows["net_cny"].to_numpy(dtype=float)[1:]
    irr_ok = valuation.irr is not None and valuation.irr * 100.0 >= rules.green_bond_min_irr_pct
    payback_ok = valuation.simple_payback_years is not None \
        and valuation.simple_payback_years <= rules.max_payback_years
    loan = capex * rules.loan_share_pct / 100.0
    tenor = min(rules.loan_tenor_years, len(operating))
    service = finance.annuity_payment_cny(loan, rules.loan_rate_pct / 100.0, tenor) \
        if loan > 0 else 0.0
    min_dscr = mean_dscr = None
    if service > 0:
        min_dscr, mean_dscr = finance.dscr(operating[:tenor], np.full(tenor, service))
    dscr_ok = service == 0 or (min_dscr is not None and min_dscr >= rules.min_dscr)
    government = capex * rules.ppp_government_share_pct / 100.0
    private = capex - government
    private_irr = finance.irr(np.concatenate([[-private], operating])) if private > 0 else None
    return FinancingView(
        meets_irr_hurdle=irr_ok, meets_payback_hurdle=payback_ok, loan_cny=loan,
        debt_service_cny_per_year=service, min_dscr=min_dscr, mean_dscr=mean_dscr,
        meets_dscr=dscr_ok, green_bond_eligible=irr_ok and payback_ok and dscr_ok,
        ppp_government_capital_cny=government, ppp_private_capital_cny=private,
        ppp_private_irr=private_irr,
        ppp_private_cny_per_government_cny=private / government if government > 0 else None,
        ppp_tco2_per_10k_government_cny=valuation.lifecycle_tco2_avoided / (government / 1e4)
        if government > 0 else None)
