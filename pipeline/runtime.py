"""Wires settings into the objects a worker needs: policy, catalogue, guard, processor.

One place that knows how the parts fit, so the worker, the demo and ``classify`` build them
identically.
"""

from __future__ import annotations

from pathlib import Path

from guardstream.classifiers.guard import Guard
from guardstream.pipeline.audit_signing import AuditSigner
from guardstream.pipeline.config import Settings
from guardstream.pipeline.dead_letter import DeadLetterSealer
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.policy_reload import PolicyReloader
from guardstream.pipeline.processor import Processor
from guardstream.pipeline.redaction import Redactor
from guardstream.pipeline.shadow import Shadow
from guardstream.topics import TopicCatalogue


def build_catalogue(settings: Settings, policy: Policy) -> TopicCatalogue:
    """The deployment's topics: fixed roles plus one worker topic per policy route."""
    return TopicCatalogue.build(
        prefix=settings.topics.prefix, routes=policy.route_names, partitions=settings.topics.partitions
    )


def build_guard(settings: Settings, model_dir: Path | None = None) -> Guard:
    return Guard.load(
        model_dir or settings.model_dir,
        intra_op_threads=settings.intra_op_threads,
        phone_regions=settings.phone_regions,
        multilingual_pii=settings.multilingual_pii,
    )


def build_processor(settings: Settings, guard: Guard | None = None) -> Processor:
    guard = guard or build_guard(settings)
    # "calibrated" thresholds resolve against the bundle actually loaded: a new bundle brings its own.
    policy = Policy.load(settings.policy_path).bind(guard.operating_points, guard.intent_labels)
    catalogue = build_catalogue(settings, policy)
    audit_key = settings.audit.key.get_secret_value().encode() if settings.audit.key else None
    return Processor(
        guard,
        policy,
        Redactor(policy.pii, settings.hash_salt),
        catalogue,
        max_message_bytes=settings.limits.max_message_bytes,
        max_json_depth=settings.limits.max_json_depth,
        sealer=DeadLetterSealer(settings.dead_letter.max_original_bytes, settings.dead_letter.encryption_key),
        reloader=_reloader(settings, guard, policy),
        signer=AuditSigner(catalogue.audit.partitions, audit_key, settings.audit.writer_id),
        shadow=build_shadow(settings, guard),
    )


def build_shadow(settings: Settings, live: Guard) -> Shadow | None:
    """The candidate policy and/or challenger bundle, or ``None`` when neither is configured.

    Without a shadow policy the challenger is judged by the live policy file, bound to the challenger's own
    calibrated operating points; without a challenger the candidate policy reuses the live scores.
    """
    if settings.shadow_policy_path is None and settings.shadow_model_dir is None:
        return None
    return build_candidate(settings, live, settings.shadow_policy_path, settings.shadow_model_dir)


def build_candidate(settings: Settings, live: Guard, policy_path: Path | None, model_dir: Path | None) -> Shadow:
    """A candidate policy (default: the live policy file) and/or challenger bundle, as shadow and replay use it."""
    challenger = build_guard(settings, model_dir) if model_dir is not None else None
    scorer = challenger or live
    policy = Policy.load(policy_path or settings.policy_path)
    return Shadow(
        policy=policy.bind(scorer.operating_points, scorer.intent_labels),
        model_version=scorer.versions["model"],
        challenger=challenger,
    )


def _reloader(settings: Settings, guard: Guard, policy: Policy) -> PolicyReloader | None:
    """Hot reload of the policy file, when there is one (the packaged policy only changes with the package)."""
    if settings.policy_path is None or settings.policy_reload_interval_s <= 0:
        return None
    return PolicyReloader(
        Path(settings.policy_path),
        guard,
        policy.route_names,  # the catalogue's worker topics are built from exactly these
        settings.hash_salt,
        interval_s=settings.policy_reload_interval_s,
    )
