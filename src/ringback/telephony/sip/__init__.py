"""The SIP driver: Ringback's calls on real phones, through PJSIP (the ``sip`` extra).

``ringback.telephony.sip.switch.SipSwitch`` is the driver, configured by ``SipSettings``. This
package's own import stays light: media workers import parts of it and are one per call.
"""

from ringback.telephony.sip.settings import NumberRoute, SipSettings

__all__ = ["NumberRoute", "SipSettings"]
