"""Benchmarks B1–B5 (`make bench`): consumer cost vs peers, billed units, latency, API overhead, CPU per order."""
