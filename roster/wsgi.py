"""The WSGI application for a production server: `gunicorn roster.wsgi:app`.

Each worker process builds its own app, and with it its own database engine and pool:
connections are never shared across a fork.
"""

from __future__ import annotations

from . import create_app

app = create_app()
