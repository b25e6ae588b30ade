"""Switchboard's CTI layer: telephony port and adapters, CTI server, CRM and call logging."""
