"""Free text from the config in the reader's language (jobs/common/config_text.py) and products
by name (jobs/common/product_names.py): a Chinese card shows no English default, no config
key and no product code."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from jobs.common.admission_settings import AdmissionRules
from jobs.common.assessment_settings import AssessmentRules
from jobs.common.config_text import DEFAULT_TEXTS_ZH, localised
from jobs.common.coupling_settings import CouplingPrices, CouplingSettings
from jobs.common.enterprise_plan_settings import EnterprisePlanSettings
from jobs.common.park_sections import Targets
from jobs.common.product_names import product_name

MODELS: list[type[BaseModel]] = [AdmissionRules, AssessmentRules, CouplingPrices,
                                 CouplingSettings, EnterprisePlanSettings, Targets]
# letters a Chinese sentence may carry: units and the standard's own abbreviations
ALLOWED_LATIN = {"kWp", "CNY", "GJ", "tCO2", "tce", "kgce", "MWh", "kWh", "m3"}


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z0-9]*", text)) - ALLOWED_LATIN


def _text_fields() -> list[tuple[type[BaseModel], str]]:
    """Every config text that has a Chinese sibling."""
    return [(model, name) for model in MODELS for name in model.model_fields
            if f"{name}_zh" in model.model_fields]


def test_every_text_with_a_default_has_a_chinese_sibling_and_a_chinese_default():
    fields = _text_fields()
    assert {f"{m.__name__}.{n}" for m, n in fields} >= {
        "CouplingPrices.source", "CouplingSettings.incentive_source",
        "AssessmentRules.rules_source", "Targets.national_limit_source",
        "AdmissionRules.max_carbon_intensity_source", "EnterprisePlanSettings.heat_source"}
    for model, name in fields:
        default = model.model_fields[name].default
        if default is None:
            continue
        zh = localised(default, "zh")
        assert default in DEFAULT_TEXTS_ZH, (model.__name__, name)
        assert re.search(r"[\u4e00-\u9fff]", zh) and not _latin_words(zh), (name, zh)
        assert localised(default, "en") == default


def test_the_parks_own_chinese_wins_and_a_plain_text_shows_as_written():
    assert localised("our rule", "zh", "本园区规则") == "本园区规则"
    assert localised("our rule", "en", "本园区规则") == "our rule"
    assert localised("江苏省地方标准", "zh") == "江苏省地方标准"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_config_keys_are_said_in_words(language):
    text = localised("the park's own target (targets.core_indicator_limit_tco2_per_tce)",
                     language)
    assert "targets." not in text and "_tco2" not in text
    assert text == ("the park's own target (the core-indicator limit set in the park's "
                    "configuration)" if language == "en"
                    else "园区自定目标（园区配置的核心指标限值）")


def test_a_text_left_in_one_language_shows_as_written_marked_as_the_parks_own_words():
    # no machine translation of the park's rule: quoted, and said to be its own words
    assert localised("Jiangsu provincial rule, 2026 draft", "zh") == \
        "“Jiangsu provincial rule, 2026 draft”（园区原文，未提供中文）"
    assert localised("江苏省地方标准", "en") == \
        "“江苏省地方标准” (the park's own words, given in Chinese only)"
    # what either reader reads needs no mark: a standard's number, a bilingual text
    assert localised("GB/T 2589-2020", "zh") == "GB/T 2589-2020"
    assert localised("如东风电场 Rudong wind farm", "en") == "如东风电场 Rudong wind farm"
    assert localised("如东风电场 Rudong wind farm", "zh") == "如东风电场 Rudong wind farm"


def test_loading_a_park_whose_text_has_no_chinese_warns_naming_the_field(
        demo_park_dict, tmp_path, caplog):
    import copy
    import logging

    from jobs.common.park_config import load_park_config
    from jobs.common.register_map import load_register_maps
    from tests.conftest import CONFIG_DIR, write_park_file

    park = copy.deepcopy(demo_park_dict)
    park["targets"]["national_limit_source"] = "Jiangsu provincial rule, 2026 draft"
    park["targets"].pop("national_limit_source_zh", None)
    park["annual_assessment"] = {"rules_source": "园区考核办法（2026）"}
    path = write_park_file(park, tmp_path / "park.yaml")
    with caplog.at_level(logging.WARNING, logger="jobs.common.park_config"):
        config = load_park_config(path, load_register_maps(CONFIG_DIR / "register_maps"))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith(f"{path}: targets.national_limit_source has no Chinese "
                                  "(targets.national_limit_source_zh)")
    assert warnings[1].startswith(f"{path}: annual_assessment.rules_source is in Chinese only")
    caplog.clear()
    park["targets"]["national_limit_source_zh"] = "江苏省规则（2026 年征求意见稿）"
    park["annual_assessment"] = {"rules_source": "the park's assessment rules, 2026",
                                 "rules_source_zh": "园区考核办法（2026）"}
    with caplog.at_level(logging.WARNING, logger="jobs.common.park_config"):
        load_park_config(write_park_file(park, tmp_path / "park.yaml"),
                         load_register_maps(CONFIG_DIR / "register_maps"))
    assert caplog.records == []
    assert config.targets.national_limit_source_zh is None  # loaded all the same


def test_the_demo_configs_couplings_texts_come_in_both_languages():
    from jobs.common.settings import load_settings

    couplings = load_settings().park.couplings
    for text, text_zh in ((couplings.incentive_source, couplings.incentive_source_zh),
                          (couplings.prices.source, couplings.prices.source_zh)):
        zh = localised(text, "zh", text_zh)
        assert zh != text and not _latin_words(zh), zh


@pytest.mark.parametrize(("code", "language", "expected"), [
    ("liquid_milk", "zh", "液态乳"), ("liquid_milk", "en", "liquid milk"),
    ("grey_iron_castings", "zh", "灰铸铁件"), ("li_ion_cells", "en", "lithium-ion cells"),
    ("servo_units", "zh", "伺服单元"),
    ("polysilicon", "zh", "polysilicon"),  # in no table: the code as words
    ("flat_glass", "en", "flat glass"),
])
def test_a_product_is_named_not_coded(code, language, expected):
    assert product_name(code, language) == expected


def test_the_limit_tables_own_name_comes_first():
    assert product_name("liquid_milk", "zh", "巴氏杀菌乳") == "巴氏杀菌乳"
    assert product_name("liquid_milk", "en", None, "Pasteurised milk") == "Pasteurised milk"


def test_every_sample_product_has_a_name_in_both_languages():
    from jobs.common.product_names import PRODUCT_NAMES
    from jobs.inbox.samples_guiding import PRODUCTS

    for code, *_ in PRODUCTS.values():
        assert code in PRODUCT_NAMES, code
