"""Every word the valuation report prints, in Chinese and English (the scorecards' `word`
looks them up when handed this vocabulary)."""
# ruff: noqa: E501  (a sentence stays on one line per language, easier to translate and grep)

from __future__ import annotations

from collections.abc import Mapping

VALUATION_WORDS: Mapping[str, Mapping[str, str]] = {
    "title": {"zh": "{park} 碳资产与项目估值 · {month}",
              "en": "{park}: carbon assets and project valuation, {month}"},
    "basis": {
        "zh": "金额单位为人民币元，按 {price_date} 价格水平的不变价、税前项目口径，实际折现率 {rate:.1f}%；"
              "已投运资产按满一年的实测数据估值，不足一年或未运行的按数字孪生模拟年估值，拟建项目按数字孪生情景估值（均为过去的日期）。",
        "en": "Amounts in CNY at constant prices of {price_date}, pre-tax project view, real "
              "discount rate {rate:.1f} %; installed assets are valued from a full metered year, "
              "or, without one or never operated, from the digital twin's simulated year; proposed "
              "projects from a digital-twin scenario (all on past dates).",
    },
    "summary": {
        "zh": "配额质押融资额度 {pledge}；持有绿证价值 {certificates}；已投运资产剩余价值合计 {remaining}；"
              "{eligible} 个项目满足绿色债券门槛。",
        "en": "Allowance-pledge loan capacity {pledge}; certificates held worth {certificates}; "
              "remaining value of installed assets {remaining}; {eligible} project(s) meet the "
              "green-bond hurdles.",
    },
    "ledger": {"zh": "碳资产台账", "en": "Carbon asset ledger"},
    "ledger_note": {
        "zh": "配额盈缺按年末预测排放计算，以低/基准/高配额价格估值；绿证按光伏每整兆瓦时 1 张计；"
              "质押额度 = 持有配额 × 基准价 × 质押率 {ltv:.0f}%。",
        "en": "Surplus or deficit against the projected year-end emissions, valued at the low / "
              "base / high allowance prices; one certificate per whole MWh of on-site PV; "
              "pledge capacity = allowances held x base price x loan-to-value {ltv:.0f} %.",
    },
    "entity": {"zh": "主体", "en": "Entity"},
    "park_total": {"zh": "园区合计（含公共负荷）", "en": "Park total (incl. common loads)"},
    "common_loads_note": {
        "zh": "园区合计的排放含园区公共负荷 {common:,.1f} 吨CO2（年初至今），与园区记分卡口径一致；排放按配额核算口径（范围一 + 全部电网用电 × 配额排放因子）。",
        "en": "The park total's emissions include the park's common loads, {common:,.1f} tCO2 to date, as the park scorecard does; emissions as counted against allowances (Scope 1 + all grid electricity x the allowance factor).",
    },
    "held": {"zh": "持有配额（吨CO2）", "en": "Allowances held (tCO2)"},
    "emissions_ytd": {"zh": "年初至今排放（吨CO2）", "en": "Emissions to date (tCO2)"},
    "projected": {"zh": "年末预测排放（吨CO2）", "en": "Projected year (tCO2)"},
    "surplus": {"zh": "预测盈余/缺口（吨CO2）", "en": "Projected surplus / deficit (tCO2)"},
    "surplus_value": {"zh": "盈缺价值 低/基准/高", "en": "Value low / base / high"},
    "certificates": {"zh": "持有绿证（张）", "en": "Certificates held"},
    "pledge": {"zh": "质押额度", "en": "Pledge capacity"},
    "no_allowances": {"zh": "无配额", "en": "no allowances"},
    "installed": {"zh": "已投运资产估值", "en": "Installed assets"},
    "asset": {"zh": "资产", "en": "Asset"},
    "size": {"zh": "规模", "en": "Size"},
    "age": {"zh": "已运行（年）", "en": "Age (years)"},
    "year1_savings": {"zh": "首年收益（万元）", "en": "Year-1 benefit (CNY 10k)"},
    "npv": {"zh": "净现值（万元）", "en": "NPV (CNY 10k)"},
    "irr": {"zh": "内部收益率", "en": "IRR"},
    "payback": {"zh": "回收期（年）", "en": "Payback (years)"},
    "lcoe": {"zh": "度电/储电成本（元/千瓦时）", "en": "LCOE / LCOS (CNY/kWh)"},
    "remaining": {"zh": "剩余价值（万元）", "en": "Remaining value (CNY 10k)"},
    "break_even": {"zh": "盈亏平衡碳价（元/吨）", "en": "Break-even carbon price (CNY/t)"},
    "capex_paid": {"zh": "投资（万元）", "en": "Capex (CNY 10k)"},
    "data_basis": {"zh": "估值依据", "en": "Valued on"},
    "paid_on": {"zh": "支付日期", "en": "Paid on"},
    "metered_year": {"zh": "实测年", "en": "metered year"},
    "simulated_year": {"zh": "模拟年", "en": "simulated year"},
    "insufficient_data": {"zh": "数据不足", "en": "insufficient data"},
    "no_operation_data": {"zh": "无运行数据", "en": "no operation data"},
    "estimated": {"zh": "估算", "en": "estimated"},
    "no_carbon_price_needed": {"zh": "无需碳价", "en": "no carbon price needed"},
    "controller_none": {"zh": "无控制", "en": "no control"},
    "controller_rule_based": {"zh": "规则控制：谷时充电、峰时放电",
                              "en": "rule-based control: charge in the valley, discharge in the peak"},
    "controller_plan": {"zh": "日前计划控制", "en": "day-ahead plan control"},
    "metered_note": {
        "zh": "实测年：该资产过去十二个月至少 {days} 天有计量数据，按实测收益年化。",
        "en": "Metered year: at least {days} metered days in the last twelve months, annualised from what the asset earned.",
    },
    "simulated_note": {
        "zh": "模拟年（非实测）：数字孪生按园区现有配置模拟 {windows}（{controller}），每段代表一个季度，合计乘以 {scale:.1f} 折算为一年。",
        "en": "Simulated year (not metered): the digital twin of the park as configured, {windows} ({controller}), each sample standing for a quarter, the sum scaled x {scale:.1f} to a year.",
    },
    "unused_note": {
        "zh": "无运行数据：该资产在计量期内未发电/放电，按平台会采用的控制方式在模拟年中的表现估值，而非按闲置状态估值。",
        "en": "No operation data: the asset delivered nothing in its metered days; it is valued on the simulated year under the controller the platform would run, not on its idle days.",
    },
    "insufficient_note": {
        "zh": "数据不足：既没有满一年的实测数据，也没有数字孪生模拟年（valuation.simulated_year.enabled 为 false），因此不给出净现值。",
        "en": "Insufficient data: neither a full metered year nor the twin's simulated year (valuation.simulated_year.enabled is false), so no NPV is given.",
    },
    "estimated_note": {
        "zh": "投资标“估算”的资产：园区未填写实际投资与支付日期（valuation.installed），按单位造价 × 规模估算。",
        "en": "Capex marked estimated: the park has not stated what it paid and when (valuation.installed); unit price x size.",
    },
    "no_energy": {
        "zh": "{asset}：估值所依据的一年内没有放电/发电，估值仅反映成本。",
        "en": "{asset}: no discharge or generation in the year it is valued on; its value shows "
              "the costs only.",
    },
    "cases": {"zh": "拟建项目", "en": "Proposed projects"},
    "case_basis": {
        "zh": "{title}：数字孪生模拟年（非实测）{windows}（{controller}），有无该项目对比，每段代表一个季度，"
              "合计乘以 {factor:.1f} 折算为一年；投资 {capex}。",
        "en": "{title}: the digital twin's simulated year (not metered), {windows} ({controller}), "
              "with and without the project, each sample standing for a quarter, the sum scaled "
              "x {factor:.1f} to a year; investment {capex}.",
    },
    "tornado_title": {"zh": "{title}：净现值敏感性", "en": "{title}: NPV sensitivity"},
    "cashflow_title": {"zh": "{title}：年度现金流", "en": "{title}: annual cash flow"},
    "sensitivity": {"zh": "敏感性分析", "en": "Sensitivity"},
    "parameter": {"zh": "参数", "en": "Parameter"},
    "npv_low": {"zh": "低值时净现值（万元）", "en": "NPV at low (CNY 10k)"},
    "npv_high": {"zh": "高值时净现值（万元）", "en": "NPV at high (CNY 10k)"},
    "carbon_price": {"zh": "碳价", "en": "Carbon price"},
    "tariff": {"zh": "电价收益", "en": "Tariff savings"},
    "capex": {"zh": "投资", "en": "Capex"},
    "discount_rate": {"zh": "折现率", "en": "Discount rate"},
    "energy_yield": {"zh": "发电/放电量", "en": "Energy yield"},
    "net_cash_flow": {"zh": "年净现金流", "en": "Net cash flow"},
    "cumulative": {"zh": "累计", "en": "Cumulative"},
    "npv_axis": {"zh": "净现值（万元）", "en": "NPV (CNY 10k)"},
    "money_axis": {"zh": "万元", "en": "CNY 10k"},
    "times": {"zh": "倍", "en": "x"},
    "cny_per_tco2": {"zh": "元/吨CO2", "en": "CNY/tCO2"},
    "year_axis": {"zh": "年份（第 0 年为投资）", "en": "Year (0: the investment)"},
    "financing": {"zh": "融资视角", "en": "Financing view"},
    "financing_note": {
        "zh": "绿色债券门槛：内部收益率 ≥ {irr:.1f}%、回收期 ≤ {payback:.0f} 年、贷款（{share:.0f}% 投资，"
              "利率 {rate:.1f}%，{tenor} 年）偿债覆盖率 ≥ {dscr:.2f}；PPP：政府资本金 {gov:.0f}%，不要求回报。",
        "en": "Green-bond hurdles: IRR >= {irr:.1f} %, payback <= {payback:.0f} years, a loan of "
              "{share:.0f} % of capex at {rate:.1f} % over {tenor} years covered >= {dscr:.2f}x; "
              "PPP: government capital {gov:.0f} %, asking no return.",
    },
    "min_dscr": {"zh": "最低偿债覆盖率", "en": "Min DSCR"},
    "negative_cash_flow": {"zh": "经营现金流为负", "en": "negative operating cash flow"},
    "eligible": {"zh": "绿债合格", "en": "Green bond"},
    "private_irr": {"zh": "社会资本收益率", "en": "Private IRR"},
    "leverage": {"zh": "撬动倍数", "en": "Leverage"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "assumptions": {"zh": "假设与来源", "en": "Assumptions and sources"},
    "figure": {"zh": "参数", "en": "Figure"},
    "value": {"zh": "取值", "en": "Value"},
    "source": {"zh": "来源", "en": "Source"},
    "unit": {"zh": "单位", "en": "Unit"},
    "confidence": {"zh": "可信度", "en": "Confidence"},
    "made_by": {"zh": "由园区能碳平台生成，运行 {run_id}。",
                "en": "Made by the park energy & carbon platform, run {run_id}."},
}
