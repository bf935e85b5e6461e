"""``ringback switch``: the switch in a process of its own, shared by every node."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from ringback.cli.common import fail
from ringback.clock import SystemClock
from ringback.config.loader import ConfigFileError, load_config
from ringback.logs import LogFormat, configure
from ringback.telephony.service import create_switch_app
from ringback.telephony.sim import SimulatedSwitch, SimulatorScript
from ringback.telephony.switch import Switch


class Driver(StrEnum):
    SIM = "sim"
    SIP = "sip"


def switch(
    driver: Annotated[
        Driver, typer.Option("--driver", envvar="RINGBACK_SWITCH_DRIVER", help="sim or sip.")
    ] = Driver.SIM,
    host: Annotated[
        str, typer.Option("--host", envvar="RINGBACK_SWITCH_HOST", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", envvar="RINGBACK_SWITCH_PORT", min=1, max=65535)
    ] = 8100,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="RINGBACK_CONFIG_FILE",
            help="The configuration file: the sim driver reads its [simulated_switch] section, "
            "the sip driver its [sip] section.",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", envvar="RINGBACK_LOG_LEVEL")] = "info",
    log_format: Annotated[
        LogFormat | None, typer.Option("--log-format", envvar="RINGBACK_LOG_FORMAT")
    ] = None,
) -> None:
    """Run the switch as a service that every node reaches with --switch URL."""
    configure(log_level, log_format)
    clock = SystemClock()
    try:
        loaded = load_config(config) if config is not None else None
    except ConfigFileError as exc:
        raise fail(exc.detail) from None
    driven: Switch
    if driver is Driver.SIM:
        script = loaded.simulated_switch if loaded is not None else None
        driven = SimulatedSwitch(script=script or SimulatorScript.demo(), clock=clock)
    elif loaded is None or loaded.sip is None:
        raise fail("the sip driver needs --config with a [sip] section (docs/sip.md)")
    else:
        from ringback.telephony.sip.switch import SipSwitch  # PJSIP: only for this driver

        driven = SipSwitch(settings=loaded.sip, clock=clock)
    uvicorn.run(
        create_switch_app(driven, clock=clock),
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
    )
