"""An applicant's admission file (入园申请): who it is and what it plans to consume and make in a
year, validated whole before anything is assessed. A YAML document (UTF-8, like every config
file); a problem is reported with the file, the field's path, and its line and column.

Quantities are per year at full operation. Electricity includes what the applicant plans to
buy as green power (`green_power_mwh` says how much of it is green).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from jobs.common.admission_settings import IndustryCode
from jobs.common.config_errors import ConfigError
from jobs.common.config_load import parse_yaml, read_config_text
from jobs.common.config_types import Number, Strict

MAX_APPLICATION_BYTES = 1024 * 1024
Name = Annotated[str, Field(min_length=2, max_length=120)]
SourceText = Annotated[str, Field(min_length=3, max_length=300)]
# Plausibility ceilings per year: the largest single plants in China (an aluminium smelter
# draws ~20 TWh a year) are far below these, so a value above is a unit mistake.
MWh = Annotated[Number, Field(ge=0, le=50_000_000)]
Nm3 = Annotated[Number, Field(ge=0, le=10_000_000_000)]
GJ = Annotated[Number, Field(ge=0, le=1_000_000_000)]
Tonnes = Annotated[Number, Field(ge=0, le=100_000_000)]


class Applicant(Strict):
    name_zh: Name
    name_en: Name
    industry: Name  # as the applicant describes it
    industry_code: IndustryCode  # GB/T 4754 class, e.g. C3985


class PlannedEnergy(Strict):
    electricity_mwh: MWh
    green_power_mwh: MWh = 0.0  # green-power trading or certificates it commits to buy
    natural_gas_nm3: Nm3 = 0.0
    heat_received_gj: GJ = 0.0  # steam or hot water bought
    heat_is_fossil: bool = True
    heat_factor_tco2_per_gj: Annotated[Number, Field(gt=0, le=0.5)] | None = None
    heat_factor_source: SourceText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PlannedEnergy:
        if self.green_power_mwh > self.electricity_mwh:
            raise ValueError(f"green_power_mwh ({self.green_power_mwh:g}) is more than the "
                             f"electricity it would make green ({self.electricity_mwh:g})")
        if (self.heat_factor_tco2_per_gj is None) != (self.heat_factor_source is None):
            raise ValueError("heat_factor_tco2_per_gj and heat_factor_source go together")
        return self


class Product(Strict):
    product_code: Annotated[str, Field(min_length=1, max_length=64)]
    output_quantity: Annotated[Number, Field(gt=0, le=1e9)]
    output_unit: Annotated[str, Field(min_length=1, max_length=16)]
    product_energy_tce: Annotated[Number, Field(ge=0, le=10_000_000)]


class ProcessEmission(Strict):
    product: Annotated[str, Field(min_length=1, max_length=64)]
    output_t: Tonnes
    factor_tco2_per_t: Annotated[Number, Field(gt=0, le=10)]
    factor_source: SourceText


class WasteStream(Strict):
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    generated_t: Tonnes
    utilised_t: Tonnes = 0.0

    @model_validator(mode="after")
    def _utilised(self) -> WasteStream:
        if self.utilised_t > self.generated_t:
            raise ValueError(f"utilised_t ({self.utilised_t:g}) is more than generated_t "
                             f"({self.generated_t:g})")
        return self


class Application(Strict):
    application_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]
    applicant: Applicant
    planned_annual: PlannedEnergy
    output_value_10k_cny: Annotated[Number, Field(gt=0, le=100_000_000)]  # 万元 per year
    roof_area_m2: Annotated[Number, Field(ge=0, le=2_000_000)] = 0.0
    products: list[Product] = []
    process_emissions: list[ProcessEmission] = []
    waste_streams: list[WasteStream] = []
    water_needs_m3: Annotated[Number, Field(ge=0, le=1e9)] = 0.0
    heat_needs_gj: GJ = 0.0


def _node_at(node: yaml.Node | None, location: tuple[Any, ...]) -> yaml.Node | None:
    """The YAML node a validation error points at, as deep as the document goes."""
    for part in location:
        if isinstance(node, yaml.MappingNode):
            found = [value for key, value in node.value if key.value == part]
            if not found:
                return node
            node = found[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _where(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


def load_application(path: Path) -> Application:
    """The validated application, or a ConfigError naming every problem by field, line and
    column. Nothing is assessed from a file with any problem."""
    text = read_config_text(path, "admission application", MAX_APPLICATION_BYTES)
    raw = parse_yaml(path, text)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: an admission application must be a YAML mapping")
    try:
        return Application.model_validate(raw)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        lines = [f"{path}: {exc.error_count()} problem(s); nothing was assessed"]
        for error in exc.errors():
            location = tuple(error["loc"])
            node = _node_at(root, location)
            mark = node.start_mark if node is not None else None
            at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"  at {_where(location)}{at}: {message}")
        raise ConfigError("\n".join(lines)) from exc
