"""A product's name for a reader, by its product code. The names come first from the
product-limit table (seed or the park's config, which carry both languages); a product with
no limit there is named from this table, and a code in neither reads as words ("liquid_milk"
→ "liquid milk") rather than as a code."""

from __future__ import annotations

# product code -> (Chinese, English): the products the inbox and the admission samples use
PRODUCT_NAMES: dict[str, tuple[str, str]] = {
    "liquid_milk": ("液态乳", "liquid milk"),
    "grey_iron_castings": ("灰铸铁件", "grey iron castings"),
    "li_ion_cells": ("锂离子电池", "lithium-ion cells"),
    "servo_units": ("伺服单元", "servo units"),
}


def product_name(code: str, language: str, name_zh: str | None = None,
                 name_en: str | None = None) -> str:
    """The product's name in `language`: the limit table's name where given, else this
    table's, else the code as words."""
    given = name_zh if language == "zh" else name_en
    if given:
        return given
    names = PRODUCT_NAMES.get(code)
    if names is not None:
        return names[0] if language == "zh" else names[1]
    return code.replace("_", " ")
