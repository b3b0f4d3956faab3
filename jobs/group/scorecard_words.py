"""Every word of the group scorecard, in Chinese (default) and English."""

from __future__ import annotations

GROUP_WORDS: dict[str, dict[str, str]] = {
    "subject": {"zh": "{group} {month} 集团月度碳排放成绩单",
                "en": "{group}: group carbon scorecard for {month}"},
    "title": {"zh": "{group} · 集团月度成绩单", "en": "{group} · group monthly scorecard"},
    "period": {"zh": "{month}，{parks} 个园区", "en": "{month}, {parks} parks"},
    "totals": {"zh": "集团合计 · {month}（国家零碳园区核算）",
               "en": "Group totals · {month} (national zero-carbon park method)"},
    "totals_basis": {"zh": "口径：国家零碳园区建设核算方法（发改环资〔2025〕910号），电力按等价"
                           "值折标；期间：{month}（自然月），{parks} 个园区。各园区数量相加；比"
                           "率由合计后的分子和分母重新计算，不是各园区比率的平均。",
                     "en": "Basis: the national zero-carbon park accounting method (NDRC "
                           "Notice No. 910, 2025), electricity at its equivalent value in tce. "
                           "Period: {month} (calendar month), {parks} parks. Sums over the "
                           "parks; every ratio is recomputed from the summed numerator and "
                           "denominator, never an average of the parks' ratios."},
    "ghg": {"zh": "用电与排放 · {month}（温室气体核算体系）",
            "en": "Electricity and emissions · {month} (GHG Protocol)"},
    "ghg_basis": {"zh": "口径：温室气体核算体系（GHG Protocol）范围一、范围二，范围二按基于市场"
                        "的方法（计入绿证和绿电交易）；期间：{month}（自然月），{parks} 个园区之"
                        "和。与上表口径不同，数值不可直接比较。",
                  "en": "Basis: GHG Protocol Scope 1 and Scope 2, Scope 2 market-based (green "
                        "certificates and green power contracts counted). Period: {month} "
                        "(calendar month), summed over {parks} parks. A different basis from the "
                        "table above: the figures do not compare one to one."},
    "figure": {"zh": "指标", "en": "Figure"},
    "value": {"zh": "数值", "en": "Value"},
    "scope1": {"zh": "范围一排放", "en": "Scope 1"},
    "scope2_market": {"zh": "范围二排放（基于市场）", "en": "Scope 2 (market-based)"},
    "indicator_unit": {"zh": "单位能耗碳排放（tCO2/tce）", "en": "Emissions per energy (tCO2/tce)"},
    "why": {"zh": "原因", "en": "Why"},
    "why_not_exported": {"zh": "尚未导出数据", "en": "No data exported yet"},
    "why_unreadable": {"zh": "{mart} 数据未通过检查", "en": "Its {mart} data failed the checks"},
    "readiness_note": {"zh": "国家零碳园区验收六项指标，按各园区最新一个有数据的月份（“数据截至”"
                             "列）评估；“核心指标”为单位能耗碳排放。",
                       "en": "The six national acceptance indicators, each park as of its latest "
                             "month with data (the \"data through\" column); the core indicator "
                             "is emissions per energy."},
    "emissions_tco2": {"zh": "碳排放", "en": "Emissions"},
    "energy_tce": {"zh": "综合能耗", "en": "Energy"},
    "indicator": {"zh": "单位能耗碳排放", "en": "Emissions per energy (core indicator)"},
    "clean_share": {"zh": "清洁能源消费占比", "en": "Clean-energy share"},
    "direct_green_share": {"zh": "绿电直连占比", "en": "Direct green supply share"},
    "electricity_kwh": {"zh": "用电量", "en": "Electricity"},
    "scope12_market": {"zh": "范围一+二排放（基于市场）", "en": "Scope 1 + 2 (market-based)"},
    "league": {"zh": "园区排名 · {period}累计", "en": "League table · {period}"},
    "league_note": {"zh": "口径：国家零碳园区核算（910号），本年年初至本月累计。名次按单位能耗碳"
                          "排放排列，最低者第 1；并列者名次相同，无数据者不排名。限值为该园区适"
                          "用的单位能耗碳排放限值。",
                    "en": "Basis: the national method (NDRC Notice No. 910), year to date. "
                          "Ranked on emissions per energy, lowest first; ties share a rank "
                          "and a park without the figure is not ranked. The limit is the one "
                          "that applies to the park."},
    "park": {"zh": "园区", "en": "Park"},
    "rank": {"zh": "名次", "en": "Rank"},
    "limit": {"zh": "限值", "en": "Limit"},
    "meets_limit": {"zh": "达标", "en": "Within limit"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "readiness": {"zh": "验收准备情况（国家六项指标）",
                  "en": "Acceptance readiness (the six national indicators)"},
    "through": {"zh": "数据截至", "en": "Data through"},
    "meets": {"zh": "达标", "en": "Met"},
    "misses": {"zh": "未达标", "en": "Missed"},
    "other": {"zh": "未测/不适用", "en": "Not measured / n.a."},
    "core_status": {"zh": "核心指标", "en": "Core indicator"},
    "status_meets": {"zh": "达标", "en": "meets"},
    "status_misses": {"zh": "未达标", "en": "misses"},
    "status_other": {"zh": "未评估", "en": "not assessed"},
    "left_out": {"zh": "本月未纳入的园区", "en": "Parks left out of this month's figures"},
    "left_out_note": {"zh": "其数据未能读取，未计入上述合计和排名：",
                      "en": "Their data could not be read; they are in no total or rank "
                            "above:"},
    "no_value": {"zh": "—", "en": "—"},
    "footer": {"zh": "数据来源：集团数据仓库（各园区已发布的数据）。核算方法见各园区成绩单。",
               "en": "Source: the group warehouse (each park's published figures). Methods as "
                     "in each park's scorecard."},
}
