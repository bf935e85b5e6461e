"""What the simulated switch's customers and transfer targets do: ``[simulated_switch]`` in config.

A script is two ordered lists of rules. ``numbers`` says how the customer at an E.164 number
responds to an outbound call; ``targets`` says how a transfer, conference or consultation target
responds. Each rule has a glob ``pattern`` (``*`` any run of characters, ``?`` one character,
``[0-4]`` one of a set); the first rule that matches wins, and an address that no rule matches
gets :data:`DEFAULT_NUMBER` (answers after 2 s) or :data:`DEFAULT_TARGET` (accepts after 1 s).
A final rule with pattern ``"*"`` replaces the default.

In TOML::

    [[simulated_switch.numbers]]
    pattern = "+1212555*"
    behaviour = "busy"
    ring_seconds = 1.5

    [[simulated_switch.targets]]
    pattern = "queue:*"
    behaviour = "accept"
    ring_seconds = 4
    end_after_seconds = 60
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ringback.telephony.switch import DialResult

CATCH_ALL = "*"
_NUMBER_PATTERN_CHARACTERS = frozenset("+0123456789*?[]!-")


class CustomerResponse(StrEnum):
    """How a customer's line responds to an outbound call."""

    ANSWER = "answer"
    NO_ANSWER = "no_answer"  # rings until the switch gives up
    BUSY = "busy"
    ANSWERING_MACHINE = "answering_machine"
    FAX = "fax"
    INVALID_NUMBER = "invalid_number"
    NETWORK_ERROR = "network_error"

    @property
    def result(self) -> DialResult:
        """The outbound result the switch reports for this response."""
        return DialResult.ANSWERED if self is CustomerResponse.ANSWER else DialResult(self.value)

    @property
    def rings(self) -> bool:
        """Whether the phone rings before the result (busy lines and bad numbers never ring)."""
        return self in _RINGING_RESPONSES


_RINGING_RESPONSES = frozenset(
    {
        CustomerResponse.ANSWER,
        CustomerResponse.NO_ANSWER,
        CustomerResponse.ANSWERING_MACHINE,
        CustomerResponse.FAX,
    }
)


class TargetResponse(StrEnum):
    """How a transfer, conference or consultation target responds."""

    ACCEPT = "accept"
    DECLINE = "decline"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(min_length=1)

    def matches(self, address: str) -> bool:
        """Whether this rule's glob matches ``address`` (case-sensitive, whole address)."""
        return fnmatchcase(address, self.pattern)


class NumberBehaviour(_Rule):
    """How the customers at the numbers matching ``pattern`` respond to an outbound call."""

    behaviour: CustomerResponse
    # How long before the result: ringing for answer/no_answer/machines, setup time otherwise.
    ring_seconds: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    # The customer hangs up this long after answering; None: stays until the agent releases.
    hangup_after_seconds: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @field_validator("pattern")
    @classmethod
    def _e164_pattern(cls, value: str) -> str:
        wrong = sorted(set(value) - _NUMBER_PATTERN_CHARACTERS)
        if wrong:
            raise ValueError(
                f"{value!r} can never match an E.164 number such as +12125550142 "
                f"(it contains {''.join(wrong)!r}): use '+', digits and the glob characters * ? [ ]"
            )
        return value

    @model_validator(mode="after")
    def _hangup_needs_answer(self) -> Self:
        if self.hangup_after_seconds is not None and self.behaviour is not CustomerResponse.ANSWER:
            raise ValueError(
                f'hangup_after_seconds needs behaviour = "answer": a customer whose line gives '
                f'"{self.behaviour}" never answers, so cannot hang up'
            )
        return self


class TargetBehaviour(_Rule):
    """How the targets matching ``pattern`` (``place:*``, ``queue:*``, ``+44*``...) respond."""

    behaviour: TargetResponse
    ring_seconds: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    # The target hangs up this long after accepting; None: stays until the agent ends it.
    end_after_seconds: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @field_validator("pattern")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if any(character.isspace() for character in value):
            raise ValueError(f"{value!r} contains spaces, which no target address has")
        return value

    @model_validator(mode="after")
    def _end_needs_accept(self) -> Self:
        if self.end_after_seconds is not None and self.behaviour is not TargetResponse.ACCEPT:
            raise ValueError(
                'end_after_seconds needs behaviour = "accept": a target that declines never '
                "joins, so cannot hang up"
            )
        return self


DEFAULT_NUMBER = NumberBehaviour(
    pattern=CATCH_ALL, behaviour=CustomerResponse.ANSWER, ring_seconds=2.0
)
DEFAULT_TARGET = TargetBehaviour(
    pattern=CATCH_ALL, behaviour=TargetResponse.ACCEPT, ring_seconds=1.0
)


RuleT = TypeVar("RuleT", bound=_Rule)


def first_match(rules: Sequence[RuleT], address: str) -> RuleT | None:
    """The first rule whose pattern matches ``address``, or None."""
    return next((rule for rule in rules if rule.matches(address)), None)


def _check_reachable(section: str, rules: Sequence[_Rule]) -> None:
    """Refuse rules that can never apply, which are always a mistake in the file."""
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.pattern in seen:
            raise ValueError(
                f"{section}[{index}] repeats pattern {rule.pattern!r} of {section}"
                f"[{seen[rule.pattern]}]; only the first one would ever apply"
            )
        if CATCH_ALL in seen:
            raise ValueError(
                f"{section}[{index}] (pattern {rule.pattern!r}) can never apply: "
                f'{section}[{seen[CATCH_ALL]}] has pattern "*", which matches everything first'
            )
        seen[rule.pattern] = index


class SimulatorScript(BaseModel):
    """The simulated switch's script: customers by number, targets by address; first match wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numbers: list[NumberBehaviour] = Field(default_factory=list)
    targets: list[TargetBehaviour] = Field(default_factory=list)

    @model_validator(mode="after")
    def _every_rule_reachable(self) -> Self:
        _check_reachable("numbers", self.numbers)
        _check_reachable("targets", self.targets)
        return self

    def number_behaviour(self, number: str) -> NumberBehaviour:
        """How the customer at ``number`` responds: the first matching rule, else the default."""
        return first_match(self.numbers, number) or DEFAULT_NUMBER

    def target_behaviour(self, address: str) -> TargetBehaviour:
        """How the target at ``address`` responds: the first matching rule, else the default."""
        return first_match(self.targets, address) or DEFAULT_TARGET

    @classmethod
    def demo(cls) -> SimulatorScript:
        """The demo's script; see :data:`DEMO_SCRIPT`."""
        return DEMO_SCRIPT


def _number(
    pattern: str,
    behaviour: CustomerResponse,
    ring_seconds: float,
    hangup_after_seconds: float | None = None,
) -> NumberBehaviour:
    return NumberBehaviour(
        pattern=pattern,
        behaviour=behaviour,
        ring_seconds=ring_seconds,
        hangup_after_seconds=hangup_after_seconds,
    )


def _target(pattern: str, behaviour: TargetResponse, ring_seconds: float) -> TargetBehaviour:
    return TargetBehaviour(pattern=pattern, behaviour=behaviour, ring_seconds=ring_seconds)


C, T = CustomerResponse, TargetResponse

# The demo's contact center, by the last four digits of the customer's number (the 555-01xx
# numbers are the ones reserved for fiction in North America):
#   0000-0099  answer after 3 s and stay on the line
#   0100-0149  answer after 4 s and stay on the line
#   0150-0169  busy
#   0170-0179  answering machine, detected after 6 s of ringing
#   0180-0189  never answer: no answer after 30 s of ringing
#   0190-0194  answer after 3 s, then hang up 45 s later
#   0195-0197  fax
#   0198       invalid number
#   0199       network error
#   any other  answer after 2 s (the default)
# Targets: agents' places accept after 2 s, routing points after 3 s, queues after 5 s (an
# agent has to become free), numbers in the UK (+44) decline, other outside numbers accept
# after 4 s.
DEMO_SCRIPT = SimulatorScript(
    numbers=[
        _number("*00??", C.ANSWER, 3),
        _number("*01[0-4]?", C.ANSWER, 4),
        _number("*01[56]?", C.BUSY, 1),
        _number("*017?", C.ANSWERING_MACHINE, 6),
        _number("*018?", C.NO_ANSWER, 30),
        _number("*019[0-4]", C.ANSWER, 3, hangup_after_seconds=45),
        _number("*019[5-7]", C.FAX, 3),
        _number("*0198", C.INVALID_NUMBER, 1),
        _number("*0199", C.NETWORK_ERROR, 1),
    ],
    targets=[
        _target("place:*", T.ACCEPT, 2),
        _target("routing-point:*", T.ACCEPT, 3),
        _target("queue:*", T.ACCEPT, 5),
        _target("+44*", T.DECLINE, 4),
        _target("+*", T.ACCEPT, 4),
    ],
)
