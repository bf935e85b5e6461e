"""The customer's side: the private page of each callback, its signed link and its languages."""
