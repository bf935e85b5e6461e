"""Routing: which Ready agent gets which waiting callback."""
