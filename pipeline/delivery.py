"""Send until acknowledged: the one produce loop both engines deliver a batch with.

At-least-once needs every output and audit record of a batch acknowledged before its offsets are
committed, and a failed send retried rather than skipped (a slow or absent broker slows the worker
down; it never loses a message). The engines differ only in how one record is handed to their
producer, so they pass that as ``send`` and share the rest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from guardstream.pipeline.processor import OutgoingRecord

log = structlog.get_logger(__name__)

LOG_EVERY_S = 15.0
_last_logged = [-float("inf")]  # shared by every batch waiting for acknowledgements
# Hands one record to a producer; resolves to the broker's acknowledgement (an awaitable) once enqueued.
Send = Callable[[OutgoingRecord], Awaitable[Awaitable[Any]]]
# A record and its pending acknowledgement, or the error that kept it from being enqueued.
Pending = tuple[OutgoingRecord, Any]


async def enqueue(send: Send, records: Sequence[OutgoingRecord]) -> list[Pending]:
    """Enqueue every record now, in order (so batch order is send order), without waiting for acks."""
    out: list[Pending] = []
    for record in records:
        try:  # send() itself raises when the producer's buffer times out (broker unreachable)
            out.append((record, await send(record)))
        except Exception as error:
            out.append((record, error))
    return out


async def await_acknowledged(
    send: Send, pending: list[Pending], *, initial_backoff_s: float = 0.1, max_backoff_s: float = 10.0
) -> None:
    """Wait for every ack; re-send failures with capped exponential backoff, forever (never skip).

    Re-sending a partly failed batch may duplicate records that were delivered: consumers see those as
    re-deliveries with the same request id (at-least-once, like Kafka's own retries).
    """
    backoff = initial_backoff_s
    attempts = 0
    while True:
        outcomes = await asyncio.gather(*(_settle(ack) for _, ack in pending), return_exceptions=True)
        failed = [rec for (rec, _), out in zip(pending, outcomes, strict=True) if isinstance(out, BaseException)]
        if not failed:
            if attempts:
                log.info("produce_recovered", attempts=attempts)
            return
        attempts += 1
        # at most one line per LOG_EVERY_S for all batches in flight: an outage is a few lines, not hundreds
        if time.monotonic() - _last_logged[0] >= LOG_EVERY_S:
            errors = sorted({type(o).__name__ for o in outcomes if isinstance(o, BaseException)})
            log.warning(
                "produce_failed_backing_off", failed=len(failed), errors=errors, backoff_s=backoff, attempts=attempts
            )
            _last_logged[0] = time.monotonic()
        await asyncio.sleep(backoff)
        backoff = min(max_backoff_s, backoff * 2)
        pending = await enqueue(send, failed)


async def deliver(send: Send, records: Sequence[OutgoingRecord], **backoff: float) -> None:
    """Enqueue every record, then wait until the broker acknowledged all of them."""
    await await_acknowledged(send, await enqueue(send, records), **backoff)


async def _settle(ack: Any) -> Any:
    """The broker's ack for a send, or the error that kept it from being enqueued."""
    if isinstance(ack, BaseException):
        raise ack
    return await ack
