"""Guides for the people who use Roster, written in plain words, printable on A4."""
