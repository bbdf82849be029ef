"""Scheduled jobs: defined from configuration in every process, each firing claimed in `job_runs`."""
