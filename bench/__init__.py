"""Benchmarks: `python -m bench.NAME` prints its figures as one JSON line, last."""
