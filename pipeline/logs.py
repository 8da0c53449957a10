"""structlog set-up: console output for people, JSON lines for log pipelines.

Callers log ids, counts and error types only; request text never goes to a log line. Client libraries
(aiokafka, faust) log through the standard library: their records are rendered the same way and
rate-limited, because during a broker outage aiokafka logs every reconnect attempt (about 1,500 lines
in 45 s before): each distinct message passes once per ``LIBRARY_LOG_INTERVAL_S``, then says how many
like it were held back.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Literal

import structlog

LIBRARY_LOG_INTERVAL_S = 30.0


class RateLimit(logging.Filter):
    """Passes each distinct message (logger + format string) at most once per ``interval_s``."""

    def __init__(self, interval_s: float = LIBRARY_LOG_INTERVAL_S) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # key -> (last passed, held back since)
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last, held = self._seen.get(key, (-float("inf"), 0))
            if now - last < self.interval_s:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} like it held back in the last {self.interval_s:.0f} s)"
        return True


def configure_logging(level: str = "info", fmt: Literal["console", "json"] = "console") -> None:
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    handler.addFilter(RateLimit())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # Libraries at WARNING unless debugging: their INFO chatter (group joins, metadata) is not the operator's.
    root.setLevel(numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *shared,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
