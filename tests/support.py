"""What several test modules share: the test configuration, an agent made Ready, and waiting
for a row lock."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from ringback.agents import repository as agent_repository
from ringback.agents import service as agents
from ringback.agents.models import AgentChannel, AgentStatus
from ringback.clock import Clock
from ringback.db import Database

# Office hours of the services that never close.
ALWAYS_OPEN = "".join(
    f'{day} = ["00:00-24:00"]\n'
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)

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
calling_window = "00:00-24:00"
offer_timeout_seconds = 5
after_call_work_seconds = 0
caller_id = "+442079460000"
ring_seconds = 25
dispositions = ["resolved"]
[services.office_hours]
<always open>
[[services]]
name = "returning"
queue = "support"
time_zone = "Europe/Paris"
default_region = "FR"
types = ["immediate", "delayed"]
duplicate_policy = "return-existing"
[services.office_hours]
<always open>
[[dispositions]]
code = "resolved"
label = "Resolved"

[[not_ready_reasons]]
code = "break"
label = "Break"

[[responses]]
code = "greeting"
category = "Opening"
title = "Greeting"
text = "Hello {contact.first_name}, this is {agent.name} returning your call."

[[responses]]
code = "callback-confirmation"
category = "Callbacks"
title = "Callback confirmation"
text = '''
Dear {contact.name},
we will call you back on {callback.desired_time} at {callback.phone}.
{service.name}'''
services = ["support"]

[[responses]]
code = "rappel-fr"
category = "Callbacks"
title = "Confirmation de rappel"
text = "Bonjour {contact.first_name}, nous vous rappellerons le {callback.desired_time}."
services = ["returning"]

[[services]]
name = "web"
display_name = "Web callback"
queue = "support"
time_zone = "UTC"
default_region = "GB"
channel = "webcallback"
calling_window = "00:00-24:00"
disposition_required = true
after_call_work_seconds = 1
after_call_work_then = "not_ready"
[services.preview]
enabled = true
fields = ["name", "phone", "data.topic", "instructions"]
[services.office_hours]
<always open>
[[services]]
name = "preview"
display_name = "Callback with agent preview"
queue = "support"
time_zone = "UTC"
default_region = "GB"
calling_window = "00:00-24:00"
min_lead_minutes = 0
[services.preview]
enabled = true
fields = ["name", "phone", "desired_time", "data.account"]
[services.office_hours]
<always open>
[[agents]]
login = "ada"
name = "Ada Lovelace"
place = "1001"
skills = ["support"]

[[agents]]
login = "bob"
name = "Bob Marley"
place = "1002"
skills = ["support"]

[[agents]]
login = "sue"
name = "Sue Pervisor"
place = "1009"
roles = ["agent", "supervisor"]

[[routing_points]]
name = "billing-ivr"
description = "Billing self-service"

[simulated_switch]
[[simulated_switch.numbers]]
pattern = "+44207946010*"
behaviour = "busy"
ring_seconds = 0.05
[[simulated_switch.numbers]]
pattern = "+44207946020*"
behaviour = "no_answer"
ring_seconds = 0.1
[[simulated_switch.numbers]]
pattern = "+44207946030*"
behaviour = "answering_machine"
ring_seconds = 0.05
[[simulated_switch.numbers]]
pattern = "+44207946040*"
behaviour = "fax"
ring_seconds = 0.05
[[simulated_switch.numbers]]
pattern = "+44207946050*"
behaviour = "invalid_number"
ring_seconds = 0.0
[[simulated_switch.numbers]]
pattern = "+44207946060*"
behaviour = "network_error"
ring_seconds = 0.0
[[simulated_switch.numbers]]
pattern = "+44207946070*"
behaviour = "answer"
ring_seconds = 0.05
hangup_after_seconds = 0.3
[[simulated_switch.numbers]]
pattern = "+*"
behaviour = "answer"
ring_seconds = 0.05
[[simulated_switch.targets]]
pattern = "+1*"
behaviour = "decline"
ring_seconds = 0.05
[[simulated_switch.targets]]
pattern = "*"
behaviour = "accept"
ring_seconds = 0.05
""".replace("<always open>\n", ALWAYS_OPEN)


async def until_someone_waits_for_a_lock(db: Database) -> None:
    """Return once a transaction on ``db`` (PostgreSQL) waits for a lock another one holds."""
    for _ in range(2000):
        # A transaction of its own each time: one reads pg_stat_activity as it was at its start.
        async with db.transaction() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the other change never waited for the locked row")


async def set_ready(db: Database, clock: Clock, login: str) -> None:
    """The agent of this login, Ready on voice, as the agent's desk would set it."""
    async with db.transaction() as session:
        agent = await agent_repository.by_login(session, login)
        assert agent is not None
        await agents.set_status(
            session,
            agent=agent,
            channel=AgentChannel.VOICE,
            status=AgentStatus.READY,
            reason=None,
            now=clock.now(),
        )
