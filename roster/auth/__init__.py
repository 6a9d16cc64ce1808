"""Signing in and out, changing one's password, choosing the language."""
