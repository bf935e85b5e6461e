"""The Workspace API: everything the agent desktop does, for any client."""
