"""The scorecard renderers on hand-made cards: the email's HTML and text carry the card's
figures and every chart by Content-ID; the PDF carries the same text in Chinese (read back
from the PDF itself) with the charts; nothing falls back to missing glyphs."""

from __future__ import annotations

import dataclasses
import re
import warnings

import pypdfium2 as pdfium
import pytest

from jobs.scorecards.font_subset import fonts_for
from jobs.scorecards.html import to_html, to_text
from jobs.scorecards.i18n import WORDS, missing_translations
from jobs.scorecards.layout import Table, enterprise_layout, park_layout
from jobs.scorecards.pdf import layout_text, to_pdf
from tests.jobs.scorecards.samples import enterprise_card, park_card


def _pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_every_word_exists_in_both_languages():
    assert missing_translations() == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_enterprise_email_and_pdf_say_the_same(language, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a matplotlib UserWarning
        layout = enterprise_layout(enterprise_card(), language)
        html, text, pdf = to_html(layout, language), to_text(layout), to_pdf(layout, language)
    assert set(re.findall(r'src="cid:([^"]+)"', html)) == set(layout.images) == {
        "trend", "profile", "tou", "sources"}
    for png in layout.images.values():
        assert png.startswith(b"\x89PNG")
    expected = ("1,234,567", "+12.2%", "-5.0%", "18,600") if language == "en" else (
        "1,234,567 千瓦时", "+12.2%", "18,600 元")
    pdf_text = _pdf_text(pdf)
    for fragment in expected:
        assert fragment in html and fragment in text
    assert "18,600" in pdf_text and "1,234,567" in pdf_text
    if language == "zh":
        assert "昊宇新能源" in html and "昊宇新能源" in pdf_text
        assert "高峰时段" in pdf_text and "碳账户" in pdf_text
    document = pdfium.PdfDocument(pdf)
    assert len(document) >= 2  # four charts do not fit one A4 page
    document[0].render(scale=1.2).to_pil().save(tmp_path / f"enterprise-{language}.png")
    images = sum(1 for i in range(len(document)) for obj in document[i].get_objects()
                 if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
    assert images == 4


def test_a_new_enterprise_without_output_value_says_so():
    card = enterprise_card(is_new=True, rank_by_intensity=None, rank_by_improvement=None)
    text = to_text(enterprise_layout(card, "zh"))
    assert "新入园企业" in text and "未参与排名" in text


def test_the_park_card_renders_in_both_languages():
    for language in ("zh", "en"):
        layout = park_layout(park_card(), language)
        html, pdf = to_html(layout, language), to_pdf(layout, language)
        assert 'src="cid:trajectory"' in html
        pdf_text = _pdf_text(pdf)
        assert ("单位能耗碳排放" if language == "zh" else "Core indicator") in pdf_text
        assert ("预警" if language == "zh" else "Warning") in pdf_text
        assert ("未计量" if language == "zh" else "Not measured") in pdf_text


def test_the_batch_fonts_print_the_same_text_as_the_whole_fonts(tmp_path, caplog):
    """The fonts cut per batch (and converted to TrueType outlines) lose no character: the
    PDF's text reads back the same as with the whole fonts, and a character the Chinese font
    lacks (a subscript two) brings in the cut fallback font."""
    layout = enterprise_layout(enterprise_card(name_zh="昊宇新能源 CO₂"), "zh")
    plain = enterprise_layout(enterprise_card(), "zh")
    fonts = fonts_for([layout_text(layout)], tmp_path / "with-subscript")
    assert fonts.fallback is not None and fonts.main.stat().st_size < 200_000
    assert fonts_for([layout_text(plain)], tmp_path / "plain").fallback is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batch_text = _pdf_text(to_pdf(layout, "zh", fonts))
    assert batch_text == _pdf_text(to_pdf(layout, "zh"))
    assert "missing the following glyphs" not in caplog.text  # fpdf2 logs, never raises
    assert "昊宇新能源 CO₂" in batch_text and "碳账户" in batch_text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_counts_are_whole_numbers_and_the_limit_row_has_no_light(language):
    from jobs.scorecards.model import Figure

    card = enterprise_card()
    card = dataclasses.replace(card, headline=[*card.headline,
                                               Figure("dr_events", 3.0, "events", 1.0, None)])
    text = to_text(enterprise_layout(card, language))
    assert ("3 次" if language == "zh" else "| 3 |") in text
    assert not re.search(r"\d\.\d+ 次", text) and "3.00" not in text
    park = park_layout(park_card(), language)
    # the core indicator's table by the enterprises' calculation, after the acceptance one
    core = [b for b in park.blocks if isinstance(b, Table)][1]
    assert len(core.rows) == 4 and core.lights[:3] == [park_card().core_indicator_light] * 3
    assert len(core.lights) == 3  # the limit row: a yardstick, not a result


def test_chinese_sentences_use_full_width_punctuation():
    """Half-width , : ; ( ) between Chinese characters read as typos to a Chinese reader;
    placeholders ({cny:,.0f}) are code, not text."""
    from jobs.valuation.words import VALUATION_WORDS

    for table in (WORDS, VALUATION_WORDS):
        for key, text in ((k, v["zh"]) for k, v in table.items() if "zh" in v):
            outside_placeholders = re.sub(r"\{[^}]*\}", "", text)
            if re.search(r"[\u4e00-\u9fff]", outside_placeholders):
                assert not re.search(r"[,:;()]", outside_placeholders), (key, text)


def test_the_grade_target_is_in_the_cards_language():
    """The reference table says 'at or better than 二级 of national energy-limit standards':
    neither card may show that mix."""
    from jobs.scorecards.model import IndicatorRow

    card = park_card()
    card = dataclasses.replace(card, indicators=[*card.indicators, IndicatorRow(
        "unit_product_energy", "园区企业产出产品单位能耗", "Unit product energy", None, "grade",
        "at or better than 二级 of national energy-limit standards", "not_measured")])
    zh = to_text(park_layout(card, "zh"))
    en = to_text(park_layout(card, "en"))
    assert "达到国家单位产品能耗限额标准二级及以上" in zh and "at or better than" not in zh
    assert "grade 2 of the national energy-consumption limit standard" in en
    assert "二级" not in en



def test_the_park_card_opens_with_the_acceptance_section():
    """Hand-made readiness rows (samples.readiness_rows): the section comes first, each
    indicator with value, target, calculation and status, and for each miss the gap and what
    closes it, year to date and for the year, in the card's language."""
    zh = to_text(park_layout(park_card(), "zh"))
    en = to_text(park_layout(park_card(), "en"))
    assert zh.index("国家级零碳园区验收准备度（2026年1–10月累计）") < zh.index("企业核算口径")
    assert "本年剩余 2 个月" in zh and "2 months of the year left" in en
    assert ("单位能耗碳排放 | 0.41 吨CO2/吨标准煤 | ≤ 0.20 吨CO2/吨标准煤（非国家限值） | "
            "国家核算（910号文） | 未达标") in zh
    assert "核心指标国家未设限值，采用：园区自定目标。" in zh
    assert ("单位能耗碳排放：差距 0.21 吨CO2/吨标准煤。补齐年初至今差距需购买绿证或绿电交易电量"
            "（抵扣非绿电网电量） 12,500 MWh（按绿证市场价约 62,500 元，或新增光伏约 9,800 kWp）；"
            "按目前进度全年需 15,000 MWh。") in zh
    assert "直供绿电占比年初至今为 12.0 %，若以直供绿电补齐差距可达 58.5 %" in zh
    # a share's gap (61 % against 80 %) is in percentage points
    assert "工业固体废物综合利用率：差距 19.0 个百分点。" in zh and "380 t" in zh and "456 t" in zh
    assert "Solid-waste utilisation: short by 19.0 percentage points." in en
    assert "未评估：2 种产品无可溯源的二级限额" in zh
    assert "Not assessed: no sourced grade-2 limit for 2 products" in en
    assert "Readiness for the national zero-carbon park acceptance (2026, Jan–Oct to date)" in en
    assert "Closing the year-to-date gap takes 12,500 MWh" in en
    assert "清洁能源消费占比：差距" not in zh  # it meets: no gap line
    assert "截至10月14日" in zh and "(through 14 Oct)" in en


def test_the_park_emissions_say_what_they_sum_and_the_trend_its_calculation():
    zh = to_text(park_layout(park_card(), "zh"))
    assert ("企业合计 7,400.0 吨、园区公共用电（含充电桩）310.5 吨、未分摊线损 42.0 吨，"
            "共 7,752.5 吨CO2") in zh
    text = to_text(enterprise_layout(enterprise_card(), "en"))
    assert "carbon account's basis (Scope 1 + grid electricity at the allowance factor)" in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_enterprise_card_shows_its_national_contribution(language):
    text = to_text(enterprise_layout(enterprise_card(), language))
    if language == "zh":
        assert "国家核算排放（本月） | 410 | 18.4 %" in text
        assert "国家核算排放（2026年1–10月累计） | 3,900 | 17.9 %" in text
        assert "工业用水重复利用率 | 93.1 % | ≥ 90.0 %（园区目标） | 达标" in text
        assert "单位产品能耗：多晶硅 | 512 kgce/t | 二级限额 480 kgce/t | 未达标" in text
        assert "截至10月14日" in text
    else:
        assert "National-method emissions (2026, Jan–Oct) | 3,900 | 17.9 %" in text
        assert "Unit product energy: Polysilicon | 512 kgce/t | grade 2: 480 kgce/t | Misses" \
            in text


def test_the_marts_english_sources_and_reasons_in_the_chinese_card():
    from jobs.scorecards.national_layout import in_chinese

    assert in_chinese("the park's own target (targets.core_indicator_limit_tco2_per_tce)") \
        == "园区自定目标（targets.core_indicator_limit_tco2_per_tce）"
    assert in_chinese("no sourced grade-2 limit for 1 product") == "1 种产品无可溯源的二级限额"
    assert in_chinese("江苏省地方标准") == "江苏省地方标准"  # a source written in Chinese stays


@pytest.mark.parametrize("source_zh", [None, "江苏省园区碳排放管理办法（示意）"])
def test_the_core_limits_source_names_no_config_key(source_zh):
    """The mart's source of a configured core limit names the config key it came from: the
    cards say it in words, and in Chinese the park's own Chinese wording where it gave one."""
    rows = [dataclasses.replace(
        r, target_source="not set nationally: the park's own target "
        "(targets.core_indicator_limit_tco2_per_tce)", target_source_zh=source_zh)
        if r.is_core else r for r in park_card().readiness]
    card = dataclasses.replace(park_card(), readiness=rows)
    zh, en = (to_text(park_layout(card, language)) for language in ("zh", "en"))
    assert "targets." not in zh and "targets." not in en
    assert ("核心指标国家未设限值，采用：" + (source_zh or "园区自定目标（园区配置的核心指标限值）")
            + "。") in zh
    assert "the park's own target (the core-indicator limit set in the park's configuration)" \
        in en


def test_one_red_month_is_said_in_the_singular():
    # the sample park flags an enterprise off track for 1 month
    one = layout_text(park_layout(park_card(), "en"), separator=" ")
    assert "1 month off track" in one and "1 months" not in one
    card = park_card()
    two = dataclasses.replace(card, flagged=[dataclasses.replace(
        card.flagged[0], detail={"months": 2})])
    assert "2 months off track in a row" in layout_text(park_layout(two, "en"), separator=" ")
