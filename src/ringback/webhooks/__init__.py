"""Webhooks: callback events delivered to integrators' endpoints, signed (Standard Webhooks)."""
