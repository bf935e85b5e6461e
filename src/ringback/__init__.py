"""Ringback: a callback system for contact centers."""

__version__ = "0.1.0"
