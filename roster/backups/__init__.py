"""Backups of the whole database with a manifest, and restoring them with a check.

`roster backup DEST` writes a consistent copy while the app runs: SQLite through its online
backup API, PostgreSQL through `pg_dump` in one exported snapshot. The manifest beside it
names the time, the app's version, the schema revision, the engine, the rows per table and
the audit chain's head as they are in that copy, and the dump's SHA-256. `roster restore SRC`
refuses a dump that does not match its manifest, restores it, verifies the audit chain and
compares the rows per table.
"""
