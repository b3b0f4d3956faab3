"""The scorecard renderers on hand-made cards: the email's HTML and text carry the card's
figures and every chart by Content-ID; the PDF carries the same text in Chinese (read back
from the PDF itself) with the charts; nothing falls back to missing glyphs."""

from __future__ import annotations

import re
import warnings

import pypdfium2 as pdfium
import pytest

from jobs.scorecards.html import to_html, to_text
from jobs.scorecards.i18n import missing_translations
from jobs.scorecards.layout import enterprise_layout, park_layout
from jobs.scorecards.pdf import to_pdf
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
