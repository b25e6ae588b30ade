"""The PBX as configured: the ``Dialplan`` from settings, and the command-line tools that
reach a real Asterisk with them (``switchboard pbx check``, ``switchboard capture``).

This is application layer: it reads ``cti.settings``, which ``cti.asterisk`` never does.
"""
