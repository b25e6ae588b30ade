"""structlog set-up: JSON lines in production, readable lines on a terminal."""

from __future__ import annotations

import logging
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
