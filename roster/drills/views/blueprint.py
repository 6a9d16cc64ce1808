"""The pages of drills share one blueprint under /drills."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("drills", __name__, url_prefix="/drills")
