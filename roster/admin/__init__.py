"""Administration: user accounts and partner organisations."""
