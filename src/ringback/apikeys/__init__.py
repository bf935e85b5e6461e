"""API keys for integrations, scoped to services, with request budgets."""
