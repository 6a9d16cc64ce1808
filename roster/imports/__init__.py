"""Importing the eligible-people list (名簿対象者) from the municipality's source systems.

The modules here are pure: they read CSV/XLSX files, map their columns and normalise the
values, and report every problem by row and column. Writing to the database is left to the
caller.
"""
