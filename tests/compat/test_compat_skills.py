"""Skills a callback asks for in its data (``required_skills``, what Genesys Cloud's
``routingData.skillIds`` become): read from the data and honoured by the routing decision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ringback.routing.policy import FreeAgent, Waiting, required_skills, route

NOW = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def test_required_skills_are_read_from_the_data() -> None:
    assert required_skills({"required_skills": "cards, spanish,,"}) == {"cards", "spanish"}
    assert required_skills({"other": "x"}) == frozenset()
    assert required_skills({"required_skills": 3}) == frozenset()


def test_a_callback_goes_only_to_an_agent_with_its_queues_and_its_own_skills() -> None:
    needs_spanish = Waiting(
        callback_id=uuid.uuid4(),
        channel="voice",
        skills=frozenset({"cards"}) | required_skills({"required_skills": "spanish"}),
        priority=50,
        aging_per_minute=0,
        queued_at=NOW - timedelta(minutes=5),
        cooldown=timedelta(minutes=5),
    )
    longest_idle = FreeAgent(1, "voice", frozenset({"cards"}), NOW - timedelta(hours=1))
    speaks_spanish = FreeAgent(2, "voice", frozenset({"cards", "spanish"}), NOW)
    [match] = route([needs_spanish], [longest_idle, speaks_spanish], [], NOW)
    assert match.agent_id == 2
    assert route([needs_spanish], [longest_idle], [], NOW) == []
