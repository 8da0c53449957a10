import json

import pytest
from pydantic import BaseModel

from guardstream.topics import schemas
from guardstream.topics.catalogue import TopicCatalogue, TopicRole, TopicSpec


def test_default_names() -> None:
    cat = TopicCatalogue.build()
    assert [spec.name for spec in cat.all()] == [
        "guardstream.requests",
        "guardstream.llm.general",
        "guardstream.blocked",
        "guardstream.escalation",
        "guardstream.audit",
        "guardstream.dead-letter",
    ]
    assert cat.requests.role is TopicRole.REQUESTS
    assert cat.dead_letter.role is TopicRole.DEAD_LETTER
    assert all(spec.partitions == 4 for spec in cat.all())


def test_custom_prefix_routes_and_partitions() -> None:
    cat = TopicCatalogue.build(prefix="acme.prod", routes=["billing", "support_v2"], partitions=12)
    assert cat.route("billing").name == "acme.prod.llm.billing"
    assert cat.route("support_v2").route == "support_v2"
    assert cat.route("billing").role is TopicRole.ROUTE
    assert list(cat.routes) == ["billing", "support_v2"]
    assert cat.escalation.name == "acme.prod.escalation"
    assert {spec.partitions for spec in cat.all()} == {12}


def test_routes_is_a_copy() -> None:
    cat = TopicCatalogue.build()
    cat.routes.clear()
    assert "general" in cat.routes


def test_unknown_route_is_a_clear_key_error() -> None:
    cat = TopicCatalogue.build(routes=["billing"])
    with pytest.raises(KeyError, match=r"unknown route 'nope'.*'billing'"):
        cat.route("nope")


@pytest.mark.parametrize("prefix", ["", "has space", "slash/y", "ümlaut", "a" * 201, "x:y"])
def test_invalid_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        TopicCatalogue.build(prefix=prefix)


@pytest.mark.parametrize("route", ["", "two words", "a*b", "r" * 201])
def test_invalid_route(route: str) -> None:
    with pytest.raises(ValueError, match="route"):
        TopicCatalogue.build(routes=["ok", route])


def test_longest_legal_parts_are_accepted_but_overlong_topic_is_not() -> None:
    TopicCatalogue.build(prefix="p" * 200, routes=["r" * 40])
    with pytest.raises(ValueError, match="249"):
        TopicCatalogue.build(prefix="p" * 200, routes=["r" * 200])


def test_route_list_validation() -> None:
    with pytest.raises(ValueError, match="at least one route"):
        TopicCatalogue.build(routes=[])
    with pytest.raises(ValueError, match="duplicate"):
        TopicCatalogue.build(routes=["a", "b", "a"])
    with pytest.raises(TypeError, match="single string"):
        TopicCatalogue.build(routes="general")


@pytest.mark.parametrize("partitions", [0, -1, True, 2.5])
def test_invalid_partitions(partitions: object) -> None:
    with pytest.raises(ValueError, match="partitions"):
        TopicCatalogue.build(partitions=partitions)  # type: ignore[arg-type]


def test_keys_describe_ordering_contract() -> None:
    cat = TopicCatalogue.build()
    assert "conversation_id" in cat.requests.key
    assert "request id" in cat.route("general").key
    for spec in (cat.blocked, cat.escalation, cat.audit):
        assert "request id" in spec.key
    assert "original" in cat.dead_letter.key


def test_schema_names_are_real_models() -> None:
    for spec in TopicCatalogue.build(routes=["a", "b"]).all():
        assert issubclass(getattr(schemas, spec.schema), BaseModel), spec


def test_to_json() -> None:
    cat = TopicCatalogue.build(routes=["general", "code"])
    data = json.loads(cat.to_json())
    assert [d["name"] for d in data] == [spec.name for spec in cat.all()]
    for d in data:
        assert set(d) == {"name", "role", "partitions", "key", "schema", "description", "route"}
    route = next(d for d in data if d["route"] == "code")
    assert route == cat.route("code").to_dict()
    assert route["role"] == "route"
    assert route["schema"] == "ForwardedRequest"
    assert data[0]["route"] is None


def test_specs_and_catalogue_are_immutable_and_hashable() -> None:
    cat = TopicCatalogue.build()
    with pytest.raises(AttributeError):
        cat.requests.name = "x"  # type: ignore[misc]
    assert hash(cat) == hash(TopicCatalogue.build())
    assert isinstance(cat.requests, TopicSpec)
