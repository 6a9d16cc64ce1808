"""The columns of a shelter frame: one list, which the readers, geo.gsi and roster import.

Plain names, no imports, so that any module of geo (and roster, which may import geo) can
take them without a cycle.
"""

from __future__ import annotations

#: The three kinds a place can be (several at once), by column.
KINDS = ("is_emergency_site", "is_evacuation_shelter", "is_welfare_shelter")

#: The two published lists, by the frame's column of that kind.
LIST_KINDS = KINDS[:2]

#: The columns of every reader's frame (plus geometry), in this order.
SHELTER_FIELDS = (
    "source_id",
    "name",
    "name_kana",
    "address",
    "latitude",
    "longitude",
    *KINDS,
    "hazards",
    "accepts",
    "accept_groups",
    "capacity_text",
    "capacity",
    "phone",
    "city_code",
)

#: Every ID a row's place is listed under (GSI lists one place in both lists under two
#: 共通ID); a column of the frame beside SHELTER_FIELDS.
SOURCE_IDS = "source_ids"

#: The columns GSI's lists do not publish: a GSI read leaves them empty, except city_code,
#: which the 共通ID gives, and accept_groups, normalised from 受入対象者.
NOT_IN_GSI = ("name_kana", "accept_groups", "capacity_text", "capacity", "phone", "city_code")

#: What GSI's lists publish (geo.gsi.read_gsi_shelters' columns), in SHELTER_FIELDS order.
GSI_FIELDS = tuple(name for name in SHELTER_FIELDS if name not in NOT_IN_GSI)
