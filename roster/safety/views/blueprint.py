"""The staff pages of safety confirmation (安否確認) share one blueprint under /safety."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("safety", __name__, url_prefix="/safety")
