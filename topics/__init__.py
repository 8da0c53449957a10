"""The contract between producers, guardstream and the LLM workers: topics, schemas, codecs.

This package depends on nothing else in guardstream, so producers and workers can use it
without pulling in the classifiers or the pipeline.

``topics.json_schema`` (the JSON Schema exporter) is deliberately not imported here: it is
a build tool run with ``python -m guardstream.topics.json_schema``, and importing it from the package
would make ``-m`` warn about the module being imported twice.
"""

from guardstream.topics.audit_reader import AuditReader, read_audit
from guardstream.topics.catalogue import TopicCatalogue, TopicRole, TopicSpec
from guardstream.topics.codec import EnvelopeError, dead_letter_record, decode, encode, parse_request
from guardstream.topics.producer import RequestProducer
from guardstream.topics.schemas import (
    SCHEMA_VERSION,
    AuditRecord,
    ChainLink,
    ChatMessage,
    DeadLetterReason,
    DeadLetterRecord,
    Decision,
    ForwardedRequest,
    IntentPrediction,
    ModelVersions,
    PiiSummary,
    PolicyChange,
    QuarantinedRequest,
    Request,
    SafetyScores,
    ShadowDecision,
    SourcePosition,
)

__all__ = [
    "SCHEMA_VERSION",
    "AuditReader",
    "AuditRecord",
    "ChainLink",
    "ChatMessage",
    "DeadLetterReason",
    "DeadLetterRecord",
    "Decision",
    "EnvelopeError",
    "ForwardedRequest",
    "IntentPrediction",
    "ModelVersions",
    "PiiSummary",
    "PolicyChange",
    "QuarantinedRequest",
    "Request",
    "RequestProducer",
    "SafetyScores",
    "ShadowDecision",
    "SourcePosition",
    "TopicCatalogue",
    "TopicRole",
    "TopicSpec",
    "dead_letter_record",
    "decode",
    "encode",
    "parse_request",
    "read_audit",
]
