"""`make bench`: ack latency, throughput and model-call concurrency of the real app, measured beside a
bare Bolt app on the same machine in the same run; results go to BENCHMARKS.md."""
