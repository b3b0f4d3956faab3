"""Free text from the park's config (where a threshold or a price comes from, the park's rule)
in the reader's language. Each such field has a Chinese sibling (`<field>_zh`): a park writes
its rule in both languages, and each card shows its own. A field left at its default has both
here; a config key a source names is said in words, because a manager does not read YAML keys.
"""

from __future__ import annotations

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
}

# config keys a source text may name -> (Chinese, English) words for them
CONFIG_KEY_WORDS: dict[str, tuple[str, str]] = {
    "targets.core_indicator_limit_tco2_per_tce": (
        "园区配置的核心指标限值", "the core-indicator limit set in the park's configuration"),
    "targets.national_limit_below_band_tco2_per_tce": (
        "园区配置的规模以下限值",
        "the limit below the national size bands set in the park's configuration"),
}


def localised(text: str, language: str, text_zh: str | None = None) -> str:
    """`text` (the config's field, English or as the park wrote it) for a reader of `language`:
    in Chinese the park's own `text_zh` where given, else a default's Chinese; config keys in
    words in either language."""
    if language == "zh":
        if text_zh:
            return text_zh
        text = DEFAULT_TEXTS_ZH.get(text, text)
    for key, (zh, en) in CONFIG_KEY_WORDS.items():
        text = text.replace(key, zh if language == "zh" else en)
    return text
