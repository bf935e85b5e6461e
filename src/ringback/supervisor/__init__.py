"""The supervisor's view: queues, waiting callbacks and agents, and what a supervisor may change."""
