"""Partner organisations, agreements (協定), the provision ledger and API tokens: staff's side."""
