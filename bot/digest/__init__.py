"""The quality digest: how the live model is doing, built from SQL aggregates, rendered elsewhere."""
