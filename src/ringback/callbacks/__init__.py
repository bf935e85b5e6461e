"""Callback requests: the durable record of a customer's wish to be called back."""
