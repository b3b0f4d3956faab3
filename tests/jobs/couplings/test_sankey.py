"""The park card's coupling map: every label inside the picture and no two labels overlapping,
in Chinese and English, with long names and many parties on one side."""

from __future__ import annotations

import itertools

import pytest

from jobs.couplings.read import Flow
from jobs.couplings.sankey import sankey_figure

# the demo park's longest names, and one longer than two lines can hold
NAMES = {"zh": {"a": "苏州瑞丰食品有限公司", "b": "苏州独墅纺织科技有限公司", "c": "金鸡装备",
                "d": "苏州星湖汽车零部件有限公司",
                "e": "苏州启明供应链管理有限公司苏州工业园区分公司", "outside": "园区外"},
         "en": {"a": "Suzhou Ruifeng Foods Co., Ltd.", "b": "Suzhou Dushu Textile Technology Co., "
                "Ltd.", "c": "Jinji Equipment", "d": "Suzhou Xinghu Auto Parts Co., Ltd.",
                "e": "Suzhou Qiming Supply Chain Management Co., Ltd., Suzhou Industrial Park "
                "Branch", "outside": "Outside the park"}}
FLOWS = [Flow("a", "b", "heat", "heat", 3200.0, "GJ", "declared", "waste_heat_utilisation"),
         Flow("c", "b", "heat", "heat", 4.0, "GJ", "metered", "waste_heat_utilisation"),
         Flow("d", "b", "heat", "heat", 2.0, "GJ", "declared", "waste_heat_utilisation"),
         Flow("e", "b", "heat", "heat", 1.0, "GJ", "declared", "waste_heat_utilisation"),
         Flow("outside", "c", "heat", "supply", 900.0, "GJ", "declared", None),
         Flow("d", "outside", "solid_waste", "slag", 35.0, "t", "declared",
              "solid_waste_utilisation"),
         Flow("a", "b", "water", "cooling", 744.0, "m3", "metered", "water_reuse")]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_label_overlaps_another_or_leaves_the_picture(language: str):
    figure = sankey_figure(FLOWS, NAMES[language], "title", language)
    renderer = figure.canvas.get_renderer()
    frame = figure.bbox
    boxes = [(text.get_text(), text.get_window_extent(renderer))
             for axes in figure.axes for text in axes.texts]
    boxes.append(("title", figure._suptitle.get_window_extent(renderer)))
    assert len(boxes) == 1 + 3 + (5 + 1) + (2 + 1) + (1 + 1)  # panel titles, nodes, title
    for name, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, name
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, name
    for (one, first), (other, second) in itertools.combinations(boxes, 2):
        assert not first.overlaps(second), (one, other)
