"""Drills (訓練): scenarios run as safety operations of kind drill, measured, and fed back
into the plans (issue 14)."""
