"""Call control: one switch interface, a simulated switch, and (later) a SIP driver."""
