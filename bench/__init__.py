"""Ringback's benchmarks: each figure is measured beside a baseline taken in the same run."""
