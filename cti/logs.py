"""structlog set-up: JSON lines in production, readable lines on a terminal.

``scrub_tokens`` keeps bearer tokens out of the server's own log lines: uvicorn writes each
websocket's path with its query string, so a client still putting ``?token=`` in the URL
(the server refuses it) would otherwise leave its token in the log.
"""

from __future__ import annotations

import logging
import re
import sys

import structlog


def configure(level: str = "info", *, json: bool | None = None) -> None:
    json = (not sys.stderr.isatty()) if json is None else json
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(_Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )


class _Stderr:
    """Whatever ``sys.stderr`` is at the time of writing (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


#: a JWT (three base64url parts, the first two JSON objects), or the value of ``token=``
_TOKEN = re.compile(r"eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*|(?<=token=)[^&\s\"']+", re.IGNORECASE)
_SCRUBBED = "[token removed]"


class TokenScrubber(logging.Filter):
    """Replace anything shaped like a token in a record's message with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg, record.args = _TOKEN.sub(_SCRUBBED, message), None
        return True


def scrub_tokens(*names: str) -> None:
    """Scrub tokens from the records of these loggers (default: uvicorn's)."""
    for name in names or ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenScrubber) for f in logger.filters):
            logger.addFilter(TokenScrubber())


class OneLineClientErrors(logging.Filter):
    """A client's malformed websocket frame costs one log line, never a traceback.

    uvicorn logs an invalid UTF-8 text frame with ``logger.exception`` (and closes the socket
    with 1007), so any client could fill the log with tracebacks. This keeps the record and
    its level, and replaces the traceback with the decoder's reason.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, UnicodeDecodeError):
            record.msg = f"{record.getMessage()} ({error.reason}); closed with 1007"
            record.args = ()
            record.exc_info, record.exc_text = None, None
        return True


def quiet_client_errors() -> None:
    """Install ``OneLineClientErrors`` on uvicorn's error log (after uvicorn configured it)."""
    logging.getLogger("uvicorn.error").addFilter(OneLineClientErrors())
