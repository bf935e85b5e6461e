"""The SIP driver: Ringback's calls on real phones, through PJSIP (the ``sip`` extra)."""

from ringback.telephony.sip.settings import NumberRoute, SipSettings
from ringback.telephony.sip.switch import SipSwitch

__all__ = ["NumberRoute", "SipSettings", "SipSwitch"]
