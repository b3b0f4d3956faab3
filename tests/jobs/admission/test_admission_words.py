"""The admission report's reasons in the reader's language: a product by its name, the park's
rule by its Chinese wording (no English default, no product code in the Chinese report)."""

from __future__ import annotations

from jobs.admission.assess import Reason
from jobs.admission.report import reason_text


def test_a_product_above_grade2_is_named_in_each_language():
    reason = Reason("product_above_grade2", {"product": "liquid_milk", "kgce": 30.0,
                                             "unit": "t", "limit": 25.0})
    assert reason_text(reason, "zh") == "产品 液态乳 单位能耗 30.0 kgce/t，高于二级限额 25.0"
    assert reason_text(reason, "en") == \
        "product liquid milk: 30.0 kgce/t is above grade 2 (25.0)"


def test_an_excluded_industry_says_the_rule_in_chinese():
    reason = Reason("excluded_industry", {"code": "C25", "source": "park admission rule",
                                          "source_zh": "园区准入规则"})
    assert reason_text(reason, "zh") == "所属行业 C25 为园区限制准入行业（园区准入规则）"
    assert reason_text(reason, "en") == "industry C25 is excluded (park admission rule)"


def test_the_fossil_factor_and_the_unit_are_said_in_chinese():
    from jobs.admission.report import _factor_source, _unit

    source = "mee_nbs_fossil 2022: MEE/NBS fossil-fuel power factor"
    assert _factor_source(source, "zh") == \
        "生态环境部、国家统计局 2022 年化石能源电力二氧化碳排放因子"
    # the reference table's code is no word for an English reader either
    assert _factor_source(source, "en") == "the fossil-fuel power factor of MEE and NBS, 2022"
    assert _unit("pcs", "zh") == "件" and _unit("pcs", "en") == "pcs"
    reason = Reason("product_above_grade2", {"product": "servo_units", "kgce": 45.0,
                                             "unit": "pcs", "limit": 40.0})
    assert reason_text(reason, "zh") == "产品 伺服单元 单位能耗 45.0 kgce/件，高于二级限额 40.0"
