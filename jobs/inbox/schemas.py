"""The landing contract for inbox files: one dataset per kind, its Parquet schema and natural key.

This module is what the warehouse side relies on, so it imports nothing but pyarrow. Every
accepted inbox file lands whole as one Parquet file of its kind's dataset under
`<landing_root>/<dataset>/date=<UTC load date>/<stem>-<sha256[:12]>.parquet`.

Superseding: a corrected file is simply dropped into the inbox again. Its rows land in a new
file with a later `loaded_at_utc`; the warehouse keeps, per natural key, the row with the latest
`loaded_at_utc` (ties cannot happen: the loader makes load times strictly increasing). A row
cannot be retracted by leaving it out of a corrected file: the earlier row stays the latest one
for its key. Re-loading identical content on the same UTC day gives the same landing name and
replaces the file; on another day it lands again with identical values, which the
latest-per-key rule collapses.

`month` columns are dates: the first day of the month (the file says YYYY-MM). Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa


class InboxKind(StrEnum):
    """The kinds of inbox file; a file's name starts with its kind (`green_power_2025-06.csv`)."""

    OUTPUT_VALUE = "output_value"
    GREEN_POWER = "green_power"
    CERTIFICATES = "certificates"
    ALLOWANCES = "allowances"
    DR_EVENTS = "dr_events"
    # --- guiding indicators (issue 15, helper guiding): begin ---
    PRODUCT_OUTPUT = "product_output"
    SOLID_WASTE = "solid_waste"
    WATER = "water"
    WASTE_HEAT = "waste_heat"
    # --- guiding indicators: end ---
    # --- national assessment (core): heat at the park boundary, process emissions ---
    HEAT_FLOWS = "heat_flows"
    PROCESS_OUTPUT = "process_output"
    # --- end national assessment (core) ---
    # --- circular couplings (issue 18, helper coupling) ---
    COUPLING_FLOWS = "coupling_flows"
    COUPLING_OFFERS = "coupling_offers"
    # --- end circular couplings ---


UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

# Provenance of every landed row: which file (by name and content hash), which spreadsheet row
# (header = row 1), and when it was loaded (the warehouse's latest-wins order).
PROVENANCE_FIELDS = [
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_sha256", pa.string(), nullable=False),
    pa.field("source_row", pa.int32(), nullable=False),
    pa.field("loaded_at_utc", UTC_TIMESTAMP, nullable=False),
]


def _schema(*fields: pa.Field) -> pa.Schema:
    return pa.schema([*fields, *PROVENANCE_FIELDS])


OUTPUT_VALUE_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("output_value_10k_cny", pa.float64(), nullable=False),  # 工业总产值, 万元
    pa.field("note", pa.string()),
)

GREEN_POWER_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("contract_id", pa.string(), nullable=False),
    pa.field("green_power_mwh", pa.float64(), nullable=False),  # 绿电交易, certificates bundled
    pa.field("certificates_bundled", pa.int64()),  # null: not stated in the file
)

CERTIFICATES_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),  # the retirement month (注销月份)
    pa.field("certificates_retired", pa.int64(), nullable=False),
    pa.field("retired_mwh", pa.float64(), nullable=False),  # 1 certificate = 1 MWh
    pa.field("serial_from", pa.string(), nullable=False),
    pa.field("serial_to", pa.string(), nullable=False),
    pa.field("certificate_type", pa.string(), nullable=False),  # GEC or I-REC
)

ALLOWANCES_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("compliance_year", pa.int32(), nullable=False),
    pa.field("allowances_allocated_tco2", pa.float64(), nullable=False),
    pa.field("allowances_purchased_tco2", pa.float64(), nullable=False),
    pa.field("allowances_sold_tco2", pa.float64(), nullable=False),
)

DR_EVENTS_SCHEMA = _schema(
    pa.field("event_id", pa.string(), nullable=False),
    pa.field("start_utc", UTC_TIMESTAMP, nullable=False),
    pa.field("end_utc", UTC_TIMESTAMP, nullable=False),
    pa.field("requested_reduction_kw", pa.float64(), nullable=False),
    pa.field("compensation_cny_per_kwh", pa.float64(), nullable=False),
    pa.field("enterprise_id", pa.string()),  # null: the whole park
    pa.field("notice_issued_utc", UTC_TIMESTAMP),
)

# --- guiding indicators (issue 15, helper guiding): begin ---
PRODUCT_OUTPUT_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("product_code", pa.string(), nullable=False),  # as in product_energy_limits
    pa.field("output_quantity", pa.float64(), nullable=False),
    pa.field("output_unit", pa.string(), nullable=False),  # t, m2, 10k pieces: the standard's
    # the product line's energy as the limit standard counts it (综合能耗), tce
    pa.field("product_energy_tce", pa.float64(), nullable=False),
)

SOLID_WASTE_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("waste_kind", pa.string(), nullable=False),
    pa.field("generated_t", pa.float64(), nullable=False),  # 产生量
    pa.field("utilised_t", pa.float64(), nullable=False),  # 综合利用量 (incl. from stock)
    pa.field("utilised_from_stock_t", pa.float64(), nullable=False),  # 综合利用往年贮存量
)

WATER_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("fresh_intake_m3", pa.float64(), nullable=False),  # 取水量 (新鲜水)
    pa.field("reused_m3", pa.float64(), nullable=False),  # 重复利用水量
)

WASTE_HEAT_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("waste_kind", pa.string(), nullable=False),  # heat | cold | pressure
    pa.field("recoverable_gj", pa.float64(), nullable=False),  # 可回收量
    pa.field("recovered_gj", pa.float64(), nullable=False),  # 回收利用量
)
# --- guiding indicators: end ---


# --- national assessment (core) ---
# Heat received at or sent from the park boundary in a month (steam from a utility, heat sold
# to a neighbour); the factor is measured (with its source) or, for fossil heat, the default
# of fuel_emission_factors.csv (purchased_heat); non-fossil heat counts as zero.
HEAT_FLOWS_SCHEMA = _schema(
    pa.field("counterparty", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("direction", pa.string(), nullable=False),  # received | sent
    pa.field("quantity_gj", pa.float64(), nullable=False),
    pa.field("is_fossil", pa.bool_(), nullable=False),
    pa.field("factor_tco2_per_gj", pa.float64()),  # null: the default for fossil heat
    pa.field("factor_source", pa.string()),  # given with a factor, never without
)

# Output of a product with industrial-process emissions (clinker, lime, ammonia, ...), with
# the factor and its source carried in the file (provincial inventory or verified factors).
PROCESS_OUTPUT_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("month", pa.date32(), nullable=False),
    pa.field("product", pa.string(), nullable=False),
    pa.field("output_t", pa.float64(), nullable=False),
    pa.field("factor_tco2_per_t", pa.float64(), nullable=False),
    pa.field("factor_source", pa.string(), nullable=False),
)
# --- end national assessment (core) ---

# --- circular couplings (issue 18, helper coupling): jobs/inbox/coupling_rows.py ---
# A month's flow between two parties (an enterprise id, or 'outside' the park boundary).
COUPLING_FLOWS_SCHEMA = _schema(
    pa.field("month", pa.date32(), nullable=False),
    pa.field("from_id", pa.string(), nullable=False),
    pa.field("to_id", pa.string(), nullable=False),
    pa.field("carrier", pa.string(), nullable=False),  # heat | water | solid_waste | organic_waste
    pa.field("kind", pa.string(), nullable=False),  # heat: heat|cold|pressure|supply; else free
    pa.field("quantity", pa.float64(), nullable=False),
    pa.field("unit", pa.string(), nullable=False),  # the carrier's: GJ, m3, t
    pa.field("note", pa.string()),
)
# What an enterprise has to give or needs, a year (the suggested couplings match them).
COUPLING_OFFERS_SCHEMA = _schema(
    pa.field("enterprise_id", pa.string(), nullable=False),
    pa.field("side", pa.string(), nullable=False),  # output | need
    pa.field("carrier", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("quantity_per_year", pa.float64(), nullable=False),
    pa.field("unit", pa.string(), nullable=False),
    pa.field("temperature_c", pa.float64()),  # heat only
    pa.field("note", pa.string()),
)
# --- end circular couplings ---

@dataclass(frozen=True)
class InboxDataset:
    """Where a kind lands and how the warehouse deduplicates it."""

    kind: InboxKind
    name: str
    schema: pa.Schema
    natural_key: tuple[str, ...]


DATASETS: dict[InboxKind, InboxDataset] = {
    dataset.kind: dataset
    for dataset in (
        InboxDataset(InboxKind.OUTPUT_VALUE, "inbox_output_value", OUTPUT_VALUE_SCHEMA,
                     ("enterprise_id", "month")),
        InboxDataset(InboxKind.GREEN_POWER, "inbox_green_power", GREEN_POWER_SCHEMA,
                     ("enterprise_id", "month", "contract_id")),
        InboxDataset(InboxKind.CERTIFICATES, "inbox_certificates", CERTIFICATES_SCHEMA,
                     ("enterprise_id", "month", "serial_from")),
        InboxDataset(InboxKind.ALLOWANCES, "inbox_allowances", ALLOWANCES_SCHEMA,
                     ("enterprise_id", "compliance_year")),
        InboxDataset(InboxKind.DR_EVENTS, "inbox_dr_events", DR_EVENTS_SCHEMA, ("event_id",)),
        # --- guiding indicators (issue 15, helper guiding): begin ---
        InboxDataset(InboxKind.PRODUCT_OUTPUT, "inbox_product_output", PRODUCT_OUTPUT_SCHEMA,
                     ("enterprise_id", "month", "product_code")),
        InboxDataset(InboxKind.SOLID_WASTE, "inbox_solid_waste", SOLID_WASTE_SCHEMA,
                     ("enterprise_id", "month", "waste_kind")),
        InboxDataset(InboxKind.WATER, "inbox_water", WATER_SCHEMA, ("enterprise_id", "month")),
        InboxDataset(InboxKind.WASTE_HEAT, "inbox_waste_heat", WASTE_HEAT_SCHEMA,
                     ("enterprise_id", "month", "waste_kind")),
        # --- guiding indicators: end ---
        # --- national assessment (core) ---
        InboxDataset(InboxKind.HEAT_FLOWS, "inbox_heat_flows", HEAT_FLOWS_SCHEMA,
                     ("counterparty", "month", "direction")),
        InboxDataset(InboxKind.PROCESS_OUTPUT, "inbox_process_output", PROCESS_OUTPUT_SCHEMA,
                     ("enterprise_id", "month", "product")),
        # --- end national assessment (core) ---
        # --- circular couplings (issue 18) ---
        InboxDataset(InboxKind.COUPLING_FLOWS, "inbox_coupling_flows", COUPLING_FLOWS_SCHEMA,
                     ("month", "from_id", "to_id", "carrier", "kind")),
        InboxDataset(InboxKind.COUPLING_OFFERS, "inbox_coupling_offers",
                     COUPLING_OFFERS_SCHEMA,
                     ("enterprise_id", "side", "carrier", "kind", "temperature_c")),
        # --- end circular couplings ---
    )
}
LATEST_WINS_COLUMN = "loaded_at_utc"
