"""Benchmarks: every figure is measured beside its ceiling in the same run (`make bench`)."""
