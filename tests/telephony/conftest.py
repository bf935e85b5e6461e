"""The simulated switch on a fast script: rings and hang-ups take hundredths of a second."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from tests.e2e.conftest import serving_app
from tests.telephony.contract import ContractEnvironment

from ringback.clock import ManualClock
from ringback.telephony.service import create_switch_app
from ringback.telephony.sim import (
    CustomerResponse,
    NumberBehaviour,
    SimulatedSwitch,
    SimulatorScript,
    TargetBehaviour,
    TargetResponse,
)
from ringback.telephony.switch import Switch

PLACE = "place:1001"
ANSWERS = "+12125550100"
ANSWERS_THEN_HANGS_UP = "+12125550101"
BUSY = "+12125550102"
NO_ANSWER = "+12125550103"
ANSWERING_MACHINE = "+12125550104"
FAX = "+12125550105"
INVALID = "+12125550106"
NETWORK_ERROR = "+12125550107"
TARGET_ACCEPTS = "place:2001"
TARGET_DECLINES = "place:2002"
TARGET_ACCEPTS_THEN_ENDS = "place:2003"

C, T = CustomerResponse, TargetResponse

FAST_SCRIPT = SimulatorScript(
    numbers=[
        NumberBehaviour(pattern=ANSWERS, behaviour=C.ANSWER, ring_seconds=0.02),
        NumberBehaviour(
            pattern=ANSWERS_THEN_HANGS_UP,
            behaviour=C.ANSWER,
            ring_seconds=0.02,
            hangup_after_seconds=0.1,
        ),
        NumberBehaviour(pattern=BUSY, behaviour=C.BUSY, ring_seconds=0.02),
        NumberBehaviour(pattern=NO_ANSWER, behaviour=C.NO_ANSWER, ring_seconds=0.1),
        NumberBehaviour(
            pattern=ANSWERING_MACHINE, behaviour=C.ANSWERING_MACHINE, ring_seconds=0.03
        ),
        NumberBehaviour(pattern=FAX, behaviour=C.FAX, ring_seconds=0.03),
        NumberBehaviour(pattern=INVALID, behaviour=C.INVALID_NUMBER, ring_seconds=0.02),
        NumberBehaviour(pattern=NETWORK_ERROR, behaviour=C.NETWORK_ERROR, ring_seconds=0.02),
    ],
    targets=[
        TargetBehaviour(pattern=TARGET_ACCEPTS, behaviour=T.ACCEPT, ring_seconds=0.03),
        TargetBehaviour(pattern=TARGET_DECLINES, behaviour=T.DECLINE, ring_seconds=0.03),
        TargetBehaviour(
            pattern=TARGET_ACCEPTS_THEN_ENDS,
            behaviour=T.ACCEPT,
            ring_seconds=0.03,
            end_after_seconds=0.1,
        ),
        TargetBehaviour(pattern="*", behaviour=T.ACCEPT, ring_seconds=0.02),
    ],
)


@pytest.fixture
async def simulated_switch(clock: ManualClock) -> AsyncIterator[SimulatedSwitch]:
    """A started simulated switch on the fast script, closed after the test."""
    switch = SimulatedSwitch(script=FAST_SCRIPT, clock=clock)
    await switch.start()
    yield switch
    await switch.close()


def fast_script_environment(switch: Switch, **timing: float) -> ContractEnvironment:
    """``switch``, running the fast script, with its numbers and targets for the contract."""
    return ContractEnvironment(
        switch=switch,
        place=PLACE,
        answers=ANSWERS,
        answers_then_hangs_up=ANSWERS_THEN_HANGS_UP,
        busy=BUSY,
        no_answer=NO_ANSWER,
        answering_machine=ANSWERING_MACHINE,
        fax=FAX,
        invalid=INVALID,
        network_error=NETWORK_ERROR,
        target_accepts=TARGET_ACCEPTS,
        target_declines=TARGET_DECLINES,
        target_accepts_then_ends=TARGET_ACCEPTS_THEN_ENDS,
        **timing,
    )


@pytest.fixture
def sim_environment(simulated_switch: SimulatedSwitch) -> ContractEnvironment:
    """The simulated switch with the fast script's numbers and targets, for the contract."""
    return fast_script_environment(simulated_switch, timeout=2.0, settle_seconds=0.1)


@pytest.fixture
def switch_service(clock: ManualClock) -> Iterator[str]:
    """A switch service on a free port, with the simulated switch on the fast script."""
    app = create_switch_app(SimulatedSwitch(script=FAST_SCRIPT, clock=clock), clock=clock)
    with serving_app(app) as url:
        yield url
