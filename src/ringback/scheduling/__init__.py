"""Office hours, time zones and slots: pure functions, no I/O, time always passed in."""
