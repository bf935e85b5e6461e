"""Real-time events for agent and supervisor screens."""
