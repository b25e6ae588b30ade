"""Replays: a recorded AMI capture through the real adapter, call engine and ACD.

- ``run``: ``Replay`` (one run of a capture) and ``replay()`` (its call log);
- ``observers``: what a replay watches with (the watched port, the recorder) and the
  ``CallLogLine`` it writes;
- ``cli``: ``switchboard replay CAPTURE.jsonl``.

The capture format and the link that plays it are AMI matters: ``cti.asterisk.capture`` and
``cti.asterisk.capture_link``.
"""

from cti.asterisk.capture import BadCapture, CaptureLine, read_capture
from cti.replay.observers import CallLogLine
from cti.replay.run import Replay, replay

__all__ = ["BadCapture", "CallLogLine", "CaptureLine", "Replay", "read_capture", "replay"]
