"""Benchmarks (`make bench`): scripts that measure, print and record; never timed tests."""
