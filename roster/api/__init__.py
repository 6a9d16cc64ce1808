"""Read-only JSON API, answering through the same access rule as the pages."""
