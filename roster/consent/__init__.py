"""Consent history: recording answers and deriving the current state from them."""
