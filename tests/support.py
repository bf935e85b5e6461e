"""What several test modules share: the test configuration."""

TEST_CONFIG = """
[[queues]]
name = "support"
skills = ["support"]

[[services]]
name = "support"
display_name = "Customer support"
queue = "support"
time_zone = "America/New_York"
default_region = "US"
slot_minutes = 30
slot_capacity = 2
min_lead_minutes = 10
delay_minutes = 20
booking_horizon_days = 14
priority = 50
duplicate_policy = "reject"
max_active_per_number = 1
[services.office_hours]
monday = ["09:00-17:00"]
tuesday = ["09:00-17:00"]
wednesday = ["09:00-17:00"]
thursday = ["09:00-17:00"]
friday = ["09:00-17:00"]
saturday = ["10:00-14:00"]
[[services.office_hours.exceptions]]
date = 2026-12-25
name = "Christmas Day"
closed = true

[[services]]
name = "anytime"
queue = "support"
time_zone = "UTC"
default_region = "GB"
slot_minutes = 15
slot_capacity = 1
min_lead_minutes = 0
priority = 70
duplicate_policy = "replace"
max_active_per_number = 2
[services.office_hours]
monday = ["00:00-24:00"]
tuesday = ["00:00-24:00"]
wednesday = ["00:00-24:00"]
thursday = ["00:00-24:00"]
friday = ["00:00-24:00"]
saturday = ["00:00-24:00"]
sunday = ["00:00-24:00"]

[[services]]
name = "returning"
queue = "support"
time_zone = "Europe/Paris"
default_region = "FR"
types = ["immediate", "delayed"]
duplicate_policy = "return-existing"
[services.office_hours]
monday = ["00:00-24:00"]
tuesday = ["00:00-24:00"]
wednesday = ["00:00-24:00"]
thursday = ["00:00-24:00"]
friday = ["00:00-24:00"]
saturday = ["00:00-24:00"]
sunday = ["00:00-24:00"]

[[dispositions]]
code = "resolved"
label = "Resolved"

[[not_ready_reasons]]
code = "break"
label = "Break"
"""
