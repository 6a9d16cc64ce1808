"""The audit trail: writing events, verifying the chain, and the admin view."""
