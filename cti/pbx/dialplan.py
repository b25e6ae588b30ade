"""The ``Dialplan`` a deployment configured (``SWITCHBOARD_ASTERISK_*`` settings)."""

from __future__ import annotations

from cti.asterisk.adapter import Dialplan
from cti.asterisk.campaign_actions import DialerPlan
from cti.settings import AsteriskMode, Settings


def dialplan(settings: Settings) -> Dialplan:
    """In route mode a transfer to a queue goes back to Switchboard's own holding context
    (where the caller waits for Switchboard's ACD), never to app_queue's."""
    route = settings.asterisk_mode is AsteriskMode.ROUTE
    return Dialplan(
        agent_channel=settings.asterisk_agent_channel,
        customer_dial=settings.asterisk_customer_dial,
        member_interface=settings.asterisk_member_interface,
        member_state_interface=settings.asterisk_member_state_interface or None,
        queue_context=settings.asterisk_hold_context if route else settings.asterisk_queue_context,
        outbound_context=settings.asterisk_outbound_context,
        agent_context=settings.asterisk_agent_context,
        connect_context=settings.asterisk_connect_context,
        caller_id=settings.asterisk_caller_id,
        agent_ring_timeout=settings.asterisk_agent_ring_seconds,
        hold_context=settings.asterisk_hold_context if route else None,
        dialer=DialerPlan(
            lead_channel=settings.asterisk_dialer_lead_channel,
            lead_context=settings.asterisk_dialer_context,
            agent_leg_context=settings.asterisk_dialer_agent_context,
            agent_leg_ring_timeout=settings.asterisk_dialer_agent_ring_seconds,
        ),
    )
