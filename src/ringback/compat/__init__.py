"""The incumbents' callback APIs (Genesys Cloud, GMS): thin adapters over the callbacks service."""
