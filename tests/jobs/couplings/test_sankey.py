"""The park card's coupling map: every label inside the picture and no two labels overlapping,
in Chinese and English, with long names and many parties on one side."""

from __future__ import annotations

import itertools

import pytest

from jobs.couplings.read import Flow
from jobs.couplings.sankey import sankey_figure

NAMES = {"zh": {"a": "瑞丰食品有限公司", "b": "独墅纺织印染有限公司", "c": "金鸡装备",
                "d": "星湖汽车零部件", "e": "启明物流", "outside": "园区外"},
         "en": {"a": "Ruifeng Foods Co., Ltd.", "b": "Dushu Textile Dyeing", "c": "Jinji Equipment",
                "d": "Xinghu Auto Parts", "e": "Qiming Logistics", "outside": "Outside the park"}}
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
