"""The warehouse flow's post-build step: when the workers belong to a group
(PARK_GROUP_CONFIG) and the group's registry lists this park, export its marts to the
group's store. A park that is alone, or not in the group, exports nothing."""

from __future__ import annotations

from jobs.common.settings import Settings
from jobs.group.config import configured_group
from jobs.group.export import ParkExport, export_park_marts


def export_after_build(settings: Settings) -> ParkExport | None:
    group = configured_group()
    park_id = settings.park.park.id
    if group is None or park_id not in group.park_ids():
        return None
    identity = settings.park.park
    return export_park_marts(park_id, settings.warehouse_path, group.root,
                             (identity.name_zh, identity.name_en))
