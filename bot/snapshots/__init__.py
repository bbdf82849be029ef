"""Behaviour snapshots: freeze what a model answers now, compare any model with it later, even after
the snapshot's own model no longer answers (issue 12)."""
