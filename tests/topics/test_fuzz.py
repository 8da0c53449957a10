"""Property tests: the envelope parser's only failure mode is EnvelopeError.

The pipeline dead-letters EnvelopeError and treats anything else as a crash, so a stray
exception type here would turn one malformed message into a stuck partition.
"""

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardstream.topics.codec import EnvelopeError, parse_request
from guardstream.topics.schemas import Request

SECRET = "4111111111111111"

_FIELDS = ["schema_version", "id", "tenant", "conversation_id", "text", "messages", "metadata", "created_at"]
_MESSAGE_FIELDS = ["role", "content"]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from([SECRET, "user", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00", " ", "", "r-1"]),
)
_keys = st.one_of(st.sampled_from(_FIELDS + _MESSAGE_FIELDS + [SECRET]), st.text(max_size=8))
_json = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_keys, children, max_size=6),
    ),
    max_leaves=30,
)
# Valid envelopes with a few fields replaced or removed reach schema validation (and its
# error formatting) far more often than random bytes do.
_VALID = {
    "id": "r-1",
    "tenant": "acme",
    "text": SECRET,
    "metadata": {"card": SECRET},
    "messages": [{"role": "user", "content": SECRET}],
}
_field_values = st.one_of(
    _json,
    st.lists(
        st.fixed_dictionaries({"role": st.sampled_from(["user", "robot", SECRET]), "content": st.text(max_size=10)}),
        max_size=3,
    ),
)


@st.composite
def _envelopes(draw: st.DrawFn) -> dict[str, object]:
    envelope = dict(_VALID)
    del envelope[draw(st.sampled_from(["text", "messages"]))]
    for key in draw(st.lists(st.sampled_from(list(envelope)), max_size=2)):
        envelope.pop(key, None)
    envelope.update(draw(st.dictionaries(st.sampled_from([*_FIELDS, SECRET]), _field_values, max_size=2)))
    return envelope


def check(raw: bytes) -> None:
    try:
        result = parse_request(raw, max_bytes=4_096, max_depth=6)
    except EnvelopeError as error:
        assert error.detail
        assert SECRET not in error.detail
    else:
        assert isinstance(result, Request)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(_json)
def test_arbitrary_json(value: object) -> None:
    check(orjson.dumps(value))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(_envelopes())
def test_envelope_shaped_json(value: dict[str, object]) -> None:
    check(orjson.dumps(value))


@settings(max_examples=300, database=None)
@given(st.text(alphabet='[]{}",:\\ 0a', max_size=300))
def test_bracket_soup(text: str) -> None:
    check(text.encode())
