"""The register: list, search, detail, create and edit."""
