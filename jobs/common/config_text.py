"""Free text from the park's config (where a threshold or a price comes from, the park's rule)
in the reader's language. Each such field has a Chinese sibling (`<field>_zh`): a park writes
its rule in both languages, and each card shows its own. A field left at its default has both
here; a config key a source names is said in words, because a manager does not read YAML keys.

A text the park wrote in one language only is not translated by guesswork (a rule's wording is
the park's, and a machine translation of it would put words in its mouth): the other language's
report shows it as written, in quotes, marked as the park's own words, and loading the config
warns about it (`missing_translations`, logged by load_park_config and printed by
`park validate`), naming the field to fill in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel

# the English defaults of the config's source texts -> their Chinese
DEFAULT_TEXTS_ZH: dict[str, str] = {
    "park assessment rules (default: set your own)": "园区考核规则（缺省规则，请按本园区规则设置）",
    "park admission rule (default: set your own)": "园区准入规则（缺省值，请按本园区规则设置）",
    "park admission rule": "园区准入规则",
    "planning default for flat C&I roofs (0.10-0.18 kWp/m2)":
        "工商业平屋顶规划缺省值（每平方米 0.10–0.18 kWp）",
    "not configured": "未配置",
    "the park's incentive rule": "园区激励规则",
    "planning default (low confidence): 20-40 % of HVAC":
        "规划缺省值（置信度低）：空调负荷的 20–40%",
    "planning default (low confidence): Jiangsu 2024 called ~10 events":
        "规划缺省值（置信度低）：江苏省 2024 年约启动 10 次需求响应",
    "planning defaults (low confidence): industrial steam ~80-120 CNY/GJ":
        "规划缺省值（置信度低）：工业蒸汽约 80–120 元/GJ",
    "the park's own target": "园区自定目标",
    # jobs/warehouse/reference.py's source of a core limit the park configured without one
    "the park's own target (targets.core_indicator_limit_tco2_per_tce)":
        "园区自定目标（targets.core_indicator_limit_tco2_per_tce）",
}

# config keys a source text may name -> (Chinese, English) words for them
CONFIG_KEY_WORDS: dict[str, tuple[str, str]] = {
    "targets.core_indicator_limit_tco2_per_tce": (
        "园区配置的核心指标限值", "the core-indicator limit set in the park's configuration"),
    "targets.national_limit_below_band_tco2_per_tce": (
        "园区配置的规模以下限值",
        "the limit below the national size bands set in the park's configuration"),
}


# the mark beside a text the park wrote only in the other language
OWN_WORDS = {"zh": "“{text}”（园区原文，未提供中文）",
             "en": "“{text}” (the park's own words, given in Chinese only)"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ENGLISH_WORD = re.compile(r"[A-Za-z]*[a-z]{3,}")  # not a unit, a code or a standard's number


def written_in(text: str) -> str | None:
    """"zh" for a text with Chinese and no English word, "en" for one with English words and no
    Chinese, None for both or neither (a bilingual text, a standard's number such as
    "GB/T 2589-2020"): the language a reader of the other one would not read."""
    chinese, english = bool(_CJK.search(text)), bool(_ENGLISH_WORD.search(text))
    if chinese != english:
        return "zh" if chinese else "en"
    return None


def localised(text: str, language: str, text_zh: str | None = None) -> str:
    """`text` (the config's field, English or as the park wrote it) for a reader of `language`:
    in Chinese the park's own `text_zh` where given, else a default's Chinese; a text left in
    the other language only is shown as written and marked (OWN_WORDS); config keys in words
    in either language."""
    if language == "zh":
        if text_zh:
            return text_zh
        text = DEFAULT_TEXTS_ZH.get(text, text)
    untranslated = written_in(text) not in (None, language)
    for key, (zh, en) in CONFIG_KEY_WORDS.items():
        text = text.replace(key, zh if language == "zh" else en)
    return OWN_WORDS[language].format(text=text) if untranslated else text


def missing_translations(config: BaseModel) -> list[str]:
    """Each config text (a field with a `<field>_zh` sibling) that one language's reports can
    only show as the park wrote it, with the field to fill in: for the config's load warnings."""
    problems = []
    for where, text, text_zh in _texts(config, ""):
        if text in DEFAULT_TEXTS_ZH:
            continue
        if text_zh is None and written_in(text) == "en":
            problems.append(f"{where} has no Chinese ({where}_zh): Chinese reports show it in "
                            "English, marked as the park's own words")
        elif written_in(text) == "zh":
            problems.append(f"{where} is in Chinese only: English reports show it in Chinese, "
                            f"marked as the park's own words (write the English in {where} and "
                            f"the Chinese in {where}_zh)")
    return problems


def _texts(node: object, where: str) -> Iterator[tuple[str, str, str | None]]:
    """(path, text, its Chinese) of every text with a Chinese sibling under `node`."""
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        for name in fields:
            value = getattr(node, name)
            path = f"{where}.{name}" if where else name
            if f"{name}_zh" in fields and isinstance(value, str):
                yield path, value, getattr(node, f"{name}_zh")
            else:
                yield from _texts(value, path)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, f"{where}.{key}")
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _texts(value, f"{where}[{index}]")
