"""The customer calls in first: what the IVR or the ACD reports, and its callbacks' outcome."""
