"""Staff pages for partner organisations, their agreements, ledger and API tokens.

One blueprint (blueprint.py); its pages live in modules by what they show: organisations
(the index too), agreements (terms, status, signed document, versions), ledger (copies and
their return), tokens (API tokens), and filters (what templates print). The app registers
`bp` from here, so that every page module has attached its routes by then.
"""

# Importing the page modules attaches their routes and filters to bp.
from . import agreements, city_ledger, filters, ledger, organisations, tokens  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
