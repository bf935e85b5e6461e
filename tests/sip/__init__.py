"""The SIP test lab: Kamailio, baresip phones that play tones, and the measure of what they hear.

See tests/sip/README.md.
"""
