"""The retry policy for callbacks that were dialled without reaching the customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringback.callbacks.retry import GiveUp, Retry, after_failed_attempt
from ringback.config.schema import RetryDelays
from ringback.telephony.switch import DialResult

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
DELAYS = RetryDelays(no_answer=600, busy=120, answering_machine=1800, fax=3600, network_error=30)
UNREACHED = [r for r in DialResult if r not in (DialResult.ANSWERED, DialResult.INVALID_NUMBER)]


@pytest.mark.parametrize("result", UNREACHED)
def test_each_outcome_waits_its_own_delay(result: DialResult) -> None:
    decision = after_failed_attempt(
        result=result, attempts=1, max_attempts=3, delays=DELAYS, now=NOW
    )
    assert decision == Retry(NOW + timedelta(seconds=getattr(DELAYS, str(result))))


def test_an_invalid_number_is_never_retried() -> None:
    decision = after_failed_attempt(
        result=DialResult.INVALID_NUMBER, attempts=1, max_attempts=9, delays=DELAYS, now=NOW
    )
    assert isinstance(decision, GiveUp)


def test_an_answered_call_is_not_a_failure() -> None:
    with pytest.raises(ValueError):
        after_failed_attempt(
            result=DialResult.ANSWERED, attempts=1, max_attempts=3, delays=DELAYS, now=NOW
        )


@given(st.sampled_from(UNREACHED), st.integers(1, 20), st.integers(1, 20))
def test_attempts_run_out_exactly_at_the_maximum(
    result: DialResult, attempts: int, maximum: int
) -> None:
    decision = after_failed_attempt(
        result=result, attempts=attempts, max_attempts=maximum, delays=DELAYS, now=NOW
    )
    assert isinstance(decision, GiveUp) == (attempts >= maximum)
    if isinstance(decision, Retry):
        assert decision.due_at > NOW
