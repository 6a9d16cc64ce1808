"""The consent dashboard for welfare staff (/dashboard/)."""
