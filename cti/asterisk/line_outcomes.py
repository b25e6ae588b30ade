"""How a dialled lead's line ended, from what Asterisk says: ``OriginateResponse`` and ``Hangup``.

Two numbers come back for an attempt that never reached the dialer context:

- the ``Reason`` of ``OriginateResponse`` (``Response: Failure``): the last control frame the
  outgoing channel saw while Asterisk waited for the answer, a value of
  ``enum ast_control_frame_type`` in Asterisk's ``include/asterisk/frame.h``
  (``AST_CONTROL_HANGUP`` = 1, ``AST_CONTROL_RING`` = 2, ``AST_CONTROL_RINGING`` = 3,
  ``AST_CONTROL_ANSWER`` = 4, ``AST_CONTROL_BUSY`` = 5, ``AST_CONTROL_CONGESTION`` = 8,
  ``AST_CONTROL_PROGRESS`` = 14, ``AST_CONTROL_PROCEEDING`` = 15), or 0 when none came (the
  channel could not be requested, or hung up without a word). ``main/pbx.c`` (the outgoing
  dial's state callback) copies it into the originate's ``reason`` and ``main/manager.c``
  (``fast_originate``) writes it as ``Reason: %d``;
- the ``Cause`` of the attempt channel's ``Hangup``, a Q.850 cause as Asterisk numbers them in
  ``include/asterisk/causes.h`` (``AST_CAUSE_USER_BUSY`` = 17 and so on), when that arrives
  before the ``OriginateResponse`` (a channel that could not be created has none).

``failed_line()`` decides from the reason when it is decisive (rang out, busy, congestion)
and from the cause otherwise. Both are kept in ``LeadEnded.cause`` for the compliance record.
Seen on Asterisk 22 (tests/live/test_outbound_dialling.py): a lead that rings out gives
reason 3 with cause 19; a busy one, reason 5.
"""

from __future__ import annotations

from cti.telephony.outbound import LineOutcome

# include/asterisk/frame.h, enum ast_control_frame_type
REASON_NONE = 0
REASON_HANGUP = 1
REASON_RING = 2
REASON_RINGING = 3
REASON_ANSWER = 4
REASON_BUSY = 5
REASON_CONGESTION = 8
REASON_PROGRESS = 14
REASON_PROCEEDING = 15

#: Reasons that say on their own how the line ended.
REASON_OUTCOMES: dict[int, LineOutcome] = {
    REASON_RING: LineOutcome.NO_ANSWER,  # it rang (locally) until the Originate's Timeout
    REASON_RINGING: LineOutcome.NO_ANSWER,  # the far end rang until the Originate's Timeout
    REASON_PROGRESS: LineOutcome.NO_ANSWER,  # in-band progress (183) until the Timeout
    REASON_PROCEEDING: LineOutcome.NO_ANSWER,  # proceeding, then nothing until the Timeout
    REASON_BUSY: LineOutcome.BUSY,  # AST_CONTROL_BUSY: the callee's line is busy
    REASON_CONGESTION: LineOutcome.FAILED,  # AST_CONTROL_CONGESTION: no route, no circuit
}

# include/asterisk/causes.h (the Q.850 causes), each with what it means for a lead.
CAUSE_OUTCOMES: dict[int, LineOutcome] = {
    1: LineOutcome.FAILED,  # AST_CAUSE_UNALLOCATED: no such number
    2: LineOutcome.FAILED,  # AST_CAUSE_NO_ROUTE_TRANSIT_NET
    3: LineOutcome.FAILED,  # AST_CAUSE_NO_ROUTE_DESTINATION
    17: LineOutcome.BUSY,  # AST_CAUSE_USER_BUSY
    18: LineOutcome.NO_ANSWER,  # AST_CAUSE_NO_USER_RESPONSE: no phone responded
    19: LineOutcome.NO_ANSWER,  # AST_CAUSE_NO_ANSWER: alerted, not answered (Timeout)
    20: LineOutcome.NO_ANSWER,  # AST_CAUSE_SUBSCRIBER_ABSENT: a mobile switched off; retry
    21: LineOutcome.BUSY,  # AST_CAUSE_CALL_REJECTED: the callee declined; retry like busy
    22: LineOutcome.FAILED,  # AST_CAUSE_NUMBER_CHANGED
    27: LineOutcome.FAILED,  # AST_CAUSE_DESTINATION_OUT_OF_ORDER
    28: LineOutcome.FAILED,  # AST_CAUSE_INVALID_NUMBER_FORMAT
    34: LineOutcome.FAILED,  # AST_CAUSE_NORMAL_CIRCUIT_CONGESTION
    38: LineOutcome.FAILED,  # AST_CAUSE_NETWORK_OUT_OF_ORDER
    41: LineOutcome.FAILED,  # AST_CAUSE_NORMAL_TEMPORARY_FAILURE
    42: LineOutcome.FAILED,  # AST_CAUSE_SWITCH_CONGESTION
    44: LineOutcome.FAILED,  # AST_CAUSE_REQUESTED_CHAN_UNAVAIL
    50: LineOutcome.FAILED,  # AST_CAUSE_FACILITY_NOT_SUBSCRIBED
    52: LineOutcome.FAILED,  # AST_CAUSE_OUTGOING_CALL_BARRED
    58: LineOutcome.FAILED,  # AST_CAUSE_BEARERCAPABILITY_NOTAVAIL
    66: LineOutcome.FAILED,  # AST_CAUSE_CHAN_NOT_IMPLEMENTED
    88: LineOutcome.FAILED,  # AST_CAUSE_INCOMPATIBLE_DESTINATION
    102: LineOutcome.NO_ANSWER,  # AST_CAUSE_RECOVERY_ON_TIMER_EXPIRE: a timer ran out
    127: LineOutcome.FAILED,  # AST_CAUSE_INTERWORKING
}


def failed_line(reason: int | None, cause: int | None) -> LineOutcome:
    """The outcome of an Originate that failed with ``reason``, its channel hung up with
    ``cause`` (either may be unknown). Unknown or unlisted values count as ``FAILED``."""
    if reason is not None and reason in REASON_OUTCOMES:
        return REASON_OUTCOMES[reason]
    if cause is not None and cause in CAUSE_OUTCOMES:
        return CAUSE_OUTCOMES[cause]
    return LineOutcome.FAILED


def cause_text(reason: int | None, cause: int | None) -> str:
    """What the compliance record keeps: ``"reason 5; cause 17"``."""
    parts = [f"reason {reason}" if reason is not None else "", f"cause {cause}" if cause else ""]
    return "; ".join(p for p in parts if p)
