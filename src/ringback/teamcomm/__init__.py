"""Team Communicator: finding someone to transfer, conference or consult with."""
