"""Outbound dialling: the pacing core (a pure ``Pacer``), its baselines and its model pieces.

Campaigns, lead lists, DNC and the telephony adapters build on this package; the core takes
typed events (``dialer.events``) and the injected clock's ``now`` and returns decisions.
"""
