"""Every word of the group scorecard, in Chinese (default) and English."""

from __future__ import annotations

GROUP_WORDS: dict[str, dict[str, str]] = {
    "subject": {"zh": "{group} {month} 集团月度碳排放成绩单",
                "en": "{group}: group carbon scorecard for {month}"},
    "title": {"zh": "{group} · 集团月度成绩单", "en": "{group} · group monthly scorecard"},
    "period": {"zh": "{month}，{parks} 个园区", "en": "{month}, {parks} parks"},
    "totals": {"zh": "集团合计（国家零碳园区核算，910号）",
               "en": "Group totals (national zero-carbon park method, NDRC Notice No. 910)"},
    "totals_note": {"zh": "各园区数量相加；比率由合计后的分子和分母重新计算，"
                          "不是各园区比率的平均。",
                    "en": "Sums over the parks; every ratio is recomputed from the summed "
                          "numerator and denominator, never an average of the parks' ratios."},
    "emissions_tco2": {"zh": "碳排放", "en": "Emissions"},
    "energy_tce": {"zh": "综合能耗", "en": "Energy"},
    "indicator": {"zh": "单位能耗碳排放", "en": "Emissions per energy (core indicator)"},
    "clean_share": {"zh": "清洁能源消费占比", "en": "Clean-energy share"},
    "direct_green_share": {"zh": "绿电直连占比", "en": "Direct green supply share"},
    "electricity_kwh": {"zh": "用电量（温室气体核算）", "en": "Electricity (GHG Protocol)"},
    "scope12_market": {"zh": "范围一+二排放（基于市场）", "en": "Scope 1 + 2 (market-based)"},
    "league": {"zh": "园区排名（年初至今）", "en": "League table (year to date)"},
    "league_note": {"zh": "第 1 名：单位能耗碳排放最低、占比最高；并列者名次相同。",
                    "en": "Rank 1: lowest emissions per energy, highest shares; ties share a "
                          "rank."},
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
