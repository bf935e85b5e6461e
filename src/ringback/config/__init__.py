"""Configuration as code: one TOML document describes services, queues and codes."""
