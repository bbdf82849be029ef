"""Quality checks of a model: the golden eval set, eval runs, reviewer verdicts, training export."""
