"""The simulated switch: the embedded default phone system, driven by a script."""

from ringback.telephony.sim.calls import CallView, ConsultationView, Party
from ringback.telephony.sim.script import (
    DEFAULT_NUMBER,
    DEFAULT_TARGET,
    DEMO_SCRIPT,
    CustomerResponse,
    NumberBehaviour,
    SimulatorScript,
    TargetBehaviour,
    TargetResponse,
)
from ringback.telephony.sim.switch import SimulatedSwitch

__all__ = [
    "DEFAULT_NUMBER",
    "DEFAULT_TARGET",
    "DEMO_SCRIPT",
    "CallView",
    "ConsultationView",
    "CustomerResponse",
    "NumberBehaviour",
    "Party",
    "SimulatedSwitch",
    "SimulatorScript",
    "TargetBehaviour",
    "TargetResponse",
]
