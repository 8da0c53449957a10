"""On the real broker with the real worker: addresses, names repeated in other turns (the assistant's too),
non-English names and E.164 phones outside assigned ranges never reach a worker, quarantine or audit topic."""

from __future__ import annotations

import pytest

from guardstream.topics import Request
from tests.harness import WorkerProcess, catalogue_for, guard_through_worker

pytestmark = [pytest.mark.broker, pytest.mark.model]

PARTITIONS = 1

CASES: list[tuple[dict, list[str]]] = [
    ({"text": "please send the new card to 42 Baker Street, London NW1 6XE"}, ["Baker Street", "NW1 6XE"]),
    ({"text": "Bitte schicken Sie die Karte an Hauptstraße 12, 10115 Berlin, danke"}, ["Hauptstraße 12", "10115"]),
    ({"text": "mi dirección nueva es Calle de Alcalá 45, 28014 Madrid"}, ["Alcalá 45", "28014"]),
    ({"text": "text me on +44 7700 900123 when the refund is done"}, ["7700 900123"]),
    (
        {
            "messages": [
                {"role": "user", "content": "hi, this is Sarah Mitchell, my card was declined"},
                {"role": "assistant", "content": "Sorry to hear that, Sarah. Let me check."},
                {"role": "user", "content": "thanks, and send the receipt to 4502 Elm Street, Austin, TX 78704"},
            ],
            "conversation_id": "conv-leak-1",
        },
        ["Sarah", "Mitchell", "Elm Street", "78704"],
    ),
    (
        {"text": "Bonjour, ici Camille Dubois, pouvez-vous bloquer ma carte ? Merci, Camille"},
        ["Camille"],
    ),
]


@pytest.fixture
def worker(start_worker) -> WorkerProcess:
    return start_worker(PARTITIONS)


def test_no_address_propagated_name_or_e164_phone_leaves_the_guard(
    broker, worker: WorkerProcess, topic_prefix: str
) -> None:
    catalogue = catalogue_for(topic_prefix, PARTITIONS)
    requests = [Request.new(tenant="acme", **fields) for fields, _ in CASES]
    out = guard_through_worker(broker.bootstrap_servers, catalogue, requests, worker)
    guarded = {catalogue.audit.name, catalogue.blocked.name, catalogue.escalation.name}
    guarded |= {spec.name for spec in catalogue.route_specs}
    seen = b"\n".join(value for topic in guarded for value in out.raw_by_topic.get(topic, []))
    assert set(out.primary_ids()) == {r.id for r in requests}
    leaked = [value for _, values in CASES for value in values if value.encode() in seen]
    assert not leaked, f"{len(leaked)} values reached a guarded topic"
