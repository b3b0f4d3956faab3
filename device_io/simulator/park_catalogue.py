"""What a generated park is made of (device_io/simulator/park_generator.py): the device mix
for a device count, the tenant industries with their load shapes and process zones, equipment
brands and contact names, and the rounding that shares devices among kinds."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_DEVICES = 10
MAX_UNIT_ID = 247  # Modbus unit ids behind one gateway: 1..247
DEVICES_PER_ENTERPRISE = 12  # one tenant enterprise per ~12 devices
ENTERPRISE_SHARES = {"sub_meter": 8, "common_meter": 2, "pv_inverter": 12, "hvac": 20}
POLL_GROUP = {
    "grid_meter": "meters", "sub_meter": "meters", "common_meter": "meters", "gas_meter": "meters",
    "pv_inverter": "pv", "bess": "storage", "thermal_storage": "storage", "ev_charger": "ev",
    "hvac": "hvac",
}
CONTROLLABLE = {"bess", "pv_inverter", "ev_charger", "hvac", "thermal_storage"}
POLL_INTERVAL_S = {"storage": 15}  # batteries under active control need quick feedback
TRANSFORMER_KVA = (250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000,
                   5000, 6300, 8000, 10000)
F32_METER_MAX_KW = 2500  # meter_f32_din reads up to 5,000 A: ~3.4 MVA at 230 V phase voltage


@dataclass(frozen=True)
class Industry:
    """A tenant type: company-name suffixes, load shape, process gas, and its process zones."""

    key: str
    slug: str  # short id part
    zh: str
    en: str
    base_kw: tuple[int, int]
    shift_kw: tuple[int, int]
    shift_patterns: tuple[tuple[tuple[int, int], ...], ...]
    weekend_factor: float
    gas_nm3_per_h: tuple[int, int] = (0, 0)
    # comfort band and normal setpoint of the production zones (offices are 22-26 / 24)
    process_zone_c: tuple[float, float, float] = (20.0, 28.0, 26.0)


ONE_SHIFT = ((8, 17),)
TWO_SHIFTS = ((8, 20), (20, 8))
THREE_SHIFTS = ((0, 8), (8, 16), (16, 24))
CLEAN_ROOM = (21.0, 24.0, 22.5)
OFFICE_ZONE_C = (22.0, 26.0, 24.0)

INDUSTRIES = (
    Industry("light_manufacturing", "equipment", "智能装备有限公司", "Smart Equipment Co., Ltd.",
             (50, 200), (150, 600), (ONE_SHIFT, ((8, 20),)), 0.3),
    Industry("electronics", "electronics", "电子科技有限公司", "Electronics Technology Co., Ltd.",
             (200, 600), (600, 2000), (TWO_SHIFTS,), 0.8, process_zone_c=CLEAN_ROOM),
    Industry("precision_machining", "precision", "精密机械有限公司",
             "Precision Machinery Co., Ltd.", (80, 300), (300, 1200), (ONE_SHIFT, TWO_SHIFTS),
             0.5, (20, 80)),
    Industry("logistics", "logistics", "供应链管理有限公司", "Supply Chain Management Co., Ltd.",
             (50, 150), (100, 400), (((7, 19),), ((6, 22),)), 0.7),
    Industry("food", "foods", "食品有限公司", "Foods Co., Ltd.",
             (100, 300), (300, 900), (((6, 14), (14, 22)),), 0.6, (80, 300)),
    Industry("textiles", "textile", "纺织科技有限公司", "Textile Technology Co., Ltd.",
             (200, 500), (600, 1800), (THREE_SHIFTS,), 0.9, (150, 400)),
    Industry("pharma", "pharma", "生物医药有限公司", "Biopharma Co., Ltd.",
             (300, 800), (300, 1000), (ONE_SHIFT,), 0.7, (50, 200), CLEAN_ROOM),
    Industry("data_centre", "data", "数据科技有限公司", "Data Technology Co., Ltd.",
             (500, 800), (100, 300), (((9, 18),),), 1.0, process_zone_c=(18.0, 27.0, 24.0)),
    Industry("new_energy_components", "newenergy", "新能源科技有限公司",
             "New Energy Technology Co., Ltd.", (300, 700), (1000, 2500), (THREE_SHIFTS,), 0.9),
    Industry("auto_parts", "autoparts", "汽车零部件有限公司", "Auto Parts Co., Ltd.",
             (150, 400), (500, 1500), (TWO_SHIFTS,), 0.6, (30, 120)),
)

BRANDS = (
    ("ruifeng", "瑞丰", "Ruifeng"), ("hongda", "宏达", "Hongda"), ("xinrui", "新锐", "Xinrui"),
    ("huasheng", "华晟", "Huasheng"), ("boyuan", "博远", "Boyuan"), ("qiming", "启明", "Qiming"),
    ("jingyan", "精研", "Jingyan"), ("yongsheng", "永盛", "Yongsheng"),
    ("tianrun", "天润", "Tianrun"), ("jiahe", "嘉禾", "Jiahe"), ("dongwu", "东吴", "Dongwu"),
    ("jinji", "金鸡", "Jinji"), ("dushu", "独墅", "Dushu"), ("yangcheng", "阳澄", "Yangcheng"),
    ("loujiang", "娄江", "Loujiang"), ("xietang", "斜塘", "Xietang"), ("xinghu", "星湖", "Xinghu"),
    ("chenghu", "澄湖", "Chenghu"), ("gusu", "姑苏", "Gusu"), ("taihu", "太湖", "Taihu"),
    ("hengxin", "恒信", "Hengxin"), ("zhongrun", "众润", "Zhongrun"), ("lianfa", "联发", "Lianfa"),
    ("shengtai", "晟泰", "Shengtai"), ("kaiyuan", "凯源", "Kaiyuan"), ("mingda", "明达", "Mingda"),
    ("haoyu", "浩宇", "Haoyu"), ("jiayi", "嘉艺", "Jiayi"), ("weilong", "伟隆", "Weilong"),
    ("xiangyun", "祥云", "Xiangyun"), ("anke", "安科", "Anke"), ("yuanhang", "远航", "Yuanhang"),
)
PEOPLE = ("王磊", "李静", "张伟", "刘洋", "陈敏", "杨帆", "赵琳", "黄涛", "周杰", "吴霞", "徐斌",
          "孙丽", "马超", "朱敏", "胡军", "郭蕾")


def device_mix(n_devices: int) -> dict[str, int]:
    """How many devices of each kind a park of `n_devices` gets; the counts sum to n_devices.

    Grid meter, batteries, thermal storage, gas meters and EV chargers (35 %) follow fixed
    rules; the rest goes to sub-meters, common meters, PV inverters and HVAC in the
    proportions 8:2:12:20, with at least one feeder meter per enterprise.
    """
    if n_devices < MIN_DEVICES:
        raise ValueError(f"a park needs at least {MIN_DEVICES} devices, not {n_devices}")
    n_enterprises = enterprise_count(n_devices)
    mix = {
        "grid_meter": 1,
        "bess": max(n_devices // 60, 1 if n_devices >= 20 else 0),
        "thermal_storage": n_devices // 120,
        "gas_meter": n_enterprises // 4,
        "ev_charger": round_half_up(0.35 * n_devices),
    }
    mix.update(apportion(n_devices - sum(mix.values()), ENTERPRISE_SHARES))
    for kind, floor in (("sub_meter", n_enterprises), ("common_meter", 1), ("pv_inverter", 1)):
        while mix[kind] < floor:
            donor = max(("hvac", "ev_charger"), key=lambda k: mix[k])
            mix[donor] -= 1
            mix[kind] += 1
    return mix


def checked_mix(n_devices: int, mix: dict[str, int] | None) -> dict[str, int]:
    if mix is None:
        return device_mix(n_devices)
    full = {kind: mix.get(kind, 0) for kind in POLL_GROUP}
    unknown = sorted(set(mix) - set(POLL_GROUP))
    problems = [f"unknown device kind(s) {unknown}"] if unknown else []
    if sum(full.values()) != n_devices:
        problems.append(f"counts sum to {sum(full.values())}, not {n_devices}")
    if full["grid_meter"] != 1:
        problems.append("a park has exactly one grid meter")
    if full["sub_meter"] < enterprise_count(n_devices):
        problems.append(f"{enterprise_count(n_devices)} enterprises need as many sub-meters")
    if any(count < 0 for count in full.values()):
        problems.append("counts must not be negative")
    if problems:
        raise ValueError("device mix: " + "; ".join(problems))
    return full


def enterprise_count(n_devices: int) -> int:
    return math.ceil(n_devices / DEVICES_PER_ENTERPRISE)


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest-remainder split of `total` in proportion to `weights`."""
    exact = {k: total * w / sum(weights.values()) for k, w in weights.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    by_remainder = sorted(weights, key=lambda k: counts[k] - exact[k])
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts
