"""Realistic sample inbox files for a park, for the demo and for tests.

The figures follow the park's own description: monthly consumption is estimated from each
enterprise's simulated load profile, output value from a typical value added per MWh for its
industry (0.3-1.5 万元/MWh), green power as a share of consumption. Files mix what the park
office really receives: XLSX with Chinese headers (dates as date cells or as text) and CSV with
English headers (with and without BOM). The same arguments always give byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path

from jobs.common import landing
from jobs.common.park_config import LoadProfile, ParkConfig
from jobs.common.settings import Settings
from jobs.inbox.cells import half_up, parse_month

# 万元 of industrial output per MWh consumed, by industry; unknown industries take the default.
OUTPUT_10K_CNY_PER_MWH = {
    "logistics": 1.4, "precision_machining": 1.2, "new_energy_components": 0.6,
    "electronics": 0.9, "pharma": 1.5, "auto_parts": 0.8, "food": 0.7,
    "light_manufacturing": 1.3, "textiles": 0.35, "data_centre": 0.3,
}
DEFAULT_10K_CNY_PER_MWH = 0.8
DEFAULT_PROFILE = LoadProfile(base_kw=150, shift_kw=300, shifts=[(8, 17)], weekend_factor=0.5)
GREEN_POWER_SHARES = (0.30, 0.20, 0.15)  # of monthly consumption, for the 3 largest consumers
CERTIFICATE_SHARES = (0.40, 0.25)  # of monthly consumption, for the 4th and 5th largest
ETS_FACTOR_TCO2_PER_MWH = 0.5703  # the ETS reporting factor (reference/grid_emission_factors)
GAS_TCO2_PER_NM3 = 21.622e-4  # natural gas (reference/fuel_emission_factors: 21.622 t/10^4 Nm3)
DR_COMPENSATION_CNY_PER_KWH = 3.0  # reference/market_defaults.csv dr_energy_compensation
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def write_sample_inbox(settings: Settings, year_months: list[str], folder: Path | str, *,
                       month_share: Mapping[str, float] | None = None) -> list[Path]:
    """Write one file of each kind for `year_months` (YYYY-MM) into `folder`; returns them.

    `month_share` (YYYY-MM -> share of the month, default 1) makes a month's declarations
    cover only part of it, as a month-to-date report does: the demo declares the current
    month over the days its meters cover, so that intensities compare like with like."""
    months = sorted({parse_month(month) for month in year_months})
    if not months:
        raise ValueError("give at least one month (YYYY-MM)")
    share = {parse_month(month): value for month, value in (month_share or {}).items()}
    bad = sorted(f"{m:%Y-%m}" for m, value in share.items()
                 if not (math.isfinite(value) and 0 < value <= 1))
    if bad:
        raise ValueError(f"month_share must be in (0, 1] for {bad}")
    shares = {month: share.get(month, 1.0) for month in months}
    park = settings.park
    target = Path(folder)
    span = f"{months[0]:%Y-%m}" if len(months) == 1 else f"{months[0]:%Y-%m}_{months[-1]:%Y-%m}"
    largest = _by_consumption(park)
    files = {
        f"output_value_{span}.xlsx": _output_value_xlsx(park, months, shares),
        f"green_power_{span}.csv": _green_power_csv(park, months, largest[:3], shares),
        f"certificates_{months[-1]:%Y-%m}.xlsx": _certificates_xlsx(
            park, months[-1], largest[3:5], shares[months[-1]]),
        f"allowances_{span}.csv": _allowances_csv(park, months, largest[:3]),
        f"dr_events_{months[-1].year}.xlsx": _dr_events_xlsx(months[-1].year, largest[0]),
        # --- national assessment (core) ---
        # no process_output sample: the demo park makes no product with process emissions,
        # and a sample would have to invent a factor
        f"heat_flows_{span}.xlsx": _heat_flows_xlsx(months, shares),
        # --- end national assessment (core) ---
    }
    # --- guiding indicators (issue 15, helper guiding): begin ---
    from jobs.inbox.samples_guiding import guiding_sample_files  # it builds on this module

    files |= guiding_sample_files(park, months, span, shares)
    # --- guiding indicators: end ---
    from jobs.inbox.samples_couplings import coupling_sample_files  # circular couplings

    files |= coupling_sample_files(park, months, span, shares)
    paths = []
    for name, payload in files.items():
        landing.write_atomically(str(target / name), payload)  # never seen half-written
        paths.append(target / name)
    return paths


def _profile(park: ParkConfig, enterprise_id: str) -> LoadProfile:
    return park.simulation.load_profiles.get(enterprise_id, DEFAULT_PROFILE)


def _shift_share(profile: LoadProfile) -> float:
    """The share of a week's hours on shift (weekends at their factor)."""
    shift_hours = sum((end - start) % 24 or 24 for start, end in profile.shifts)
    weekly = (5 + 2 * profile.weekend_factor) / 7
    return min(shift_hours, 24) / 24 * weekly


def average_kw(profile: LoadProfile) -> float:
    return profile.base_kw + profile.shift_kw * _shift_share(profile)


def annual_gas_nm3(park: ParkConfig, enterprise_id: str) -> float:
    """The profile's gas rate over its shifts, as the twin burns it, for a year."""
    profile = _profile(park, enterprise_id)
    return profile.gas_nm3_per_h * _shift_share(profile) * 8760


def monthly_mwh(park: ParkConfig, enterprise_id: str, month: dt.date) -> float:
    days = calendar.monthrange(month.year, month.month)[1]
    seasonal = 1 + 0.06 * math.cos(2 * math.pi * (month.month - 7.5) / 12)  # summer cooling
    return average_kw(_profile(park, enterprise_id)) * 24 * days / 1000 * seasonal


def _by_consumption(park: ParkConfig) -> list[str]:
    return sorted((e.id for e in park.enterprises),
                  key=lambda e: (-average_kw(_profile(park, e)), e))


def _output_value_xlsx(park: ParkConfig, months: list[dt.date],
                       shares: Mapping[dt.date, float]) -> bytes:
    rows: list[list[object]] = []
    for enterprise in park.enterprises:
        intensity = OUTPUT_10K_CNY_PER_MWH.get(enterprise.industry, DEFAULT_10K_CNY_PER_MWH)
        for month in months:
            wobble = 1 + 0.03 * math.sin(month.month * 1.7 + len(enterprise.id))
            value = round(monthly_mwh(park, enterprise.id, month) * shares[month] * intensity
                          * wobble, 1)
            note = "春节停产一周" if month.month == 2 else None
            rows.append([enterprise.id, dt.datetime(month.year, month.month, 1), value, note])
    return _xlsx("工业总产值", ["企业编号", "月份", "工业总产值(万元)", "备注"], rows,
                 {"B": "yyyy-mm", "C": "#,##0.0"})


def _green_power_csv(park: ParkConfig, months: list[dt.date], buyers: list[str],
                     shares: Mapping[dt.date, float]) -> bytes:
    rows = []
    for index, (enterprise_id, share) in enumerate(zip(buyers, GREEN_POWER_SHARES, strict=False)):
        contract = f"JS-LDJY-{months[0].year}-{(index + 1) * 37:04d}"
        for month in months:
            mwh = round(monthly_mwh(park, enterprise_id, month) * shares[month] * share, 1)
            bundled = "" if index == 2 else str(half_up(mwh))  # the third leaves it blank
            rows.append([enterprise_id, f"{month:%Y-%m}", contract, f"{mwh:.1f}", bundled])
    return _csv(["enterprise_id", "month", "contract_id", "green_power_mwh",
                 "certificates_bundled"], rows, bom=False)


def _certificates_xlsx(park: ParkConfig, month: dt.date, retirers: list[str],
                       share: float) -> bytes:
    rows: list[list[object]] = []
    first = int(f"{month:%Y%m}") * 1_000_000 + 3_001  # GEC serials carry the issue month
    for enterprise_id, covered in zip(retirers, CERTIFICATE_SHARES, strict=False):
        count = max(1, round(monthly_mwh(park, enterprise_id, month) * share * covered))
        rows.append([enterprise_id, f"{month:%Y-%m}", count, f"GEC{first}",
                     f"GEC{first + count - 1}", "GEC"])
        first += 50_000
    return _xlsx("绿证注销", ["企业编号", "注销月份", "注销绿证数量(张)", "起始编号", "结束编号",
                          "证书类型"], rows, {})


def _allowances_csv(park: ParkConfig, months: list[dt.date], holders: list[str]) -> bytes:
    rows = []
    for year in sorted({month.year for month in months}):
        for index, enterprise_id in enumerate(holders):
            annual_mwh = sum(monthly_mwh(park, enterprise_id, dt.date(year, m, 1))
                             for m in range(1, 13))
            # the allocation covers the plant's gas as well as its electricity (a dyeing
            # line burns more gas than it buys power): 8 % short of both
            allocated = round((annual_mwh * ETS_FACTOR_TCO2_PER_MWH
                               + annual_gas_nm3(park, enterprise_id) * GAS_TCO2_PER_NM3) * 0.92)
            purchased = 1200 if index == 0 else 0
            sold = 800 if index == 2 else 0
            rows.append([enterprise_id, str(year), str(allocated), str(purchased), str(sold)])
    return _csv(["enterprise_id", "compliance_year", "allowances_allocated_tco2",
                 "allowances_purchased_tco2", "allowances_sold_tco2"], rows, bom=True)


def _dr_events_xlsx(year: int, enterprise_id: str) -> bytes:
    rows: list[list[object]] = [
        [f"DR-{year}-0716-01", dt.datetime(year, 7, 16, 14, 0), dt.datetime(year, 7, 16, 16, 0),
         1500, DR_COMPENSATION_CNY_PER_KWH, None, dt.datetime(year, 7, 15, 17, 0)],
        [f"DR-{year}-0806-01", dt.datetime(year, 8, 6, 13, 30), dt.datetime(year, 8, 6, 15, 0),
         400, 2.5, enterprise_id, dt.datetime(year, 8, 6, 9, 0)],
    ]
    return _xlsx("需求响应", ["事件编号", "开始时间", "结束时间", "需求削减量(kW)",
                          "补偿单价(元/kWh)", "企业编号", "通知时间"], rows,
                 {"B": "yyyy-mm-dd hh:mm", "C": "yyyy-mm-dd hh:mm", "G": "yyyy-mm-dd hh:mm"})



# --- national assessment (core) ---
HEAT_SUPPLIER = "苏州工业园区热电"  # a district steam utility (fossil; default factor applies)
HEAT_RECEIVED_GJ_PER_MONTH = 3000.0  # ≈ 1.1 MW of steam all month: a dyeing line's process heat


def _heat_flows_xlsx(months: list[dt.date], shares: Mapping[dt.date, float]) -> bytes:
    rows: list[list[object]] = [[HEAT_SUPPLIER, f"{month:%Y-%m}", "购入",
                                 round(HEAT_RECEIVED_GJ_PER_MONTH * shares[month], 1), "是",
                                 None, None]
                                for month in months]
    return _xlsx("热力", ["对方单位", "月份", "方向", "热量(GJ)", "是否化石能源",
                        "排放因子(tCO2/GJ)", "因子来源"], rows, {"D": "#,##0.0"})
# --- end national assessment (core) ---

def _csv(header: list[str], rows: list[list[str]], *, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _xlsx(title: str, header: list[str], rows: list[list[object]],
          formats: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for column, number_format in formats.items():
        for cell in sheet[column][1:]:
            cell.number_format = number_format
    fixed = dt.datetime(*_FIXED_TIME)
    workbook.properties.created = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _without_timestamps(buffer.getvalue(), fixed)


def _without_timestamps(xlsx: bytes, fixed: dt.datetime) -> bytes:
    """openpyxl stamps the save time into the zip entries and docProps; pin both."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _pin_modified(data, stamp)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _pin_modified(core_xml: bytes, stamp: bytes) -> bytes:
    start_tag = b"<dcterms:modified"
    start = core_xml.find(start_tag)
    if start < 0:
        return core_xml
    value_start = core_xml.index(b">", start) + 1
    value_end = core_xml.index(b"</dcterms:modified>", value_start)
    return core_xml[:value_start] + stamp + core_xml[value_end:]
