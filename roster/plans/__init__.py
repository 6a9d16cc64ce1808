"""Individual evacuation plans (個別避難計画, 災害対策基本法 49-14 to 49-17)."""
