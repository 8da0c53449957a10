"""A small producer for the requests topic, so clients do not hand-roll keys and encoding.

It owns exactly two decisions: messages are encoded with :func:`topics.codec.encode`, and
they are keyed with :meth:`Request.key` so one conversation stays ordered on one partition.
Everything else (security, batching, timeouts) passes straight through to aiokafka.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaProducer

from guardstream.topics.codec import encode
from guardstream.topics.schemas import Request

# acks="all" so an acknowledged request survives a broker failure. Idempotence is off by
# default because it needs the IdempotentWrite permission and broker support that not every
# cluster (or test broker) grants; pass enable_idempotence=True where it is available.
_DEFAULTS: dict[str, Any] = {"linger_ms": 5, "acks": "all", "enable_idempotence": False}


class RequestProducer:
    """``async with RequestProducer("localhost:9092") as p: await p.send_text("hi")``."""

    def __init__(self, bootstrap_servers: str, topic: str = "guardstream.requests", **producer_kwargs: Any):
        self.topic = topic
        self._options = {**_DEFAULTS, **producer_kwargs, "bootstrap_servers": bootstrap_servers}
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # Created here, not in __init__: aiokafka binds to the running event loop.
        producer = AIOKafkaProducer(**self._options)
        try:
            await producer.start()
        except BaseException:
            await producer.stop()  # release its sockets and tasks: the caller only sees the error
            raise
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()  # flushes pending sends

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def send(self, request: Request) -> None:
        """Send one request and wait until the broker has acknowledged it."""
        await self._started().send_and_wait(self.topic, value=encode(request), key=request.key())

    async def send_text(self, text: str, *, tenant: str = "default", **fields: Any) -> Request:
        """Wrap ``text`` in a new :class:`Request`, send it, and return it (for its id)."""
        request = Request.new(text, tenant=tenant, **fields)
        await self.send(request)
        return request

    async def send_many(self, requests: Iterable[Request]) -> int:
        """Send all requests pipelined (enqueue all, then await every delivery); returns the count."""
        producer = self._started()
        deliveries = [await producer.send(self.topic, value=encode(r), key=r.key()) for r in requests]
        await asyncio.gather(*deliveries)
        return len(deliveries)

    async def send_raw_many(self, payloads: Iterable[bytes], key: bytes | None = None) -> int:
        """Send bytes unvalidated (pipelined), e.g. to exercise the dead-letter path; returns the count."""
        producer = self._started()
        deliveries = [await producer.send(self.topic, value=payload, key=key) for payload in payloads]
        await asyncio.gather(*deliveries)
        return len(deliveries)

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("RequestProducer is not started; use 'async with' or await start()")
        return self._producer
