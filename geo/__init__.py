"""Geospatial helpers: shelter data, towns and areas. Pure functions, no app or database.

出典：国土地理院 指定緊急避難場所・指定避難所データ (for the shipped data in geo/data).
"""

from .gsi import DATA_DIR, HAZARD_COLUMNS, read_gsi_shelters
from .towns import city_area, offset_point, random_points_near, town_of, town_points

__all__ = [
    "DATA_DIR", "HAZARD_COLUMNS", "city_area", "offset_point", "random_points_near",
    "read_gsi_shelters", "town_of", "town_points",
]
