"""The contact directory: people with several numbers and addresses, and their history."""
