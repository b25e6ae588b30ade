"""Moved to ``cti.replay``; this name stays only for ``wfm/replay.py``'s ``from_capture``.

A replay runs the call engine, which sits above ``cti.asterisk``; once ``wfm/replay.py``
imports ``cti.replay``, delete this module.
"""

from cti.replay.run import replay

__all__ = ["replay"]
