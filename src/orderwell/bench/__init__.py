"""Benchmarks behind ``orderwell bench``: figures as JSON lines, with same-run baselines."""
