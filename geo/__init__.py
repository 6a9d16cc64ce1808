"""Geospatial helpers: shelter data, hazard areas, towns and assignment. Pure functions, no
app or database.

出典：国土地理院 指定緊急避難場所・指定避難所データ (for the shipped data in geo/data).
"""

from .analysis import assign_shelters, hazard_flags, shelter_load, suitable_shelters
from .capacity import Capacity, parse_capacity
from .groups import ACCEPT_GROUPS, normalise_accepts
from .gsi import DATA_DIR, HAZARD_COLUMNS, read_gsi_shelters
from .hazards import HAZARD_KINDS, HazardInputError, read_hazard_file, read_hazard_layer
from .shelters.cells import RowError
from .shelters.columns import SHELTER_FIELDS
from .shelters.reading import ShelterRead, read_shelter_files
from .towns import city_area, offset_point, random_points_near, town_of, town_points

__all__ = [
    "ACCEPT_GROUPS",
    "DATA_DIR",
    "HAZARD_COLUMNS",
    "HAZARD_KINDS",
    "SHELTER_FIELDS",
    "Capacity",
    "HazardInputError",
    "RowError",
    "ShelterRead",
    "assign_shelters",
    "city_area",
    "hazard_flags",
    "normalise_accepts",
    "offset_point",
    "parse_capacity",
    "random_points_near",
    "read_gsi_shelters",
    "read_hazard_file",
    "read_hazard_layer",
    "read_shelter_files",
    "shelter_load",
    "suitable_shelters",
    "town_of",
    "town_points",
]
