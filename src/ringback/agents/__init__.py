"""Agents: who they are, how they sign in, and their status on each channel."""
