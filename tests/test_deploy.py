"""deploy/: the compose file against the Compose specification's JSON Schema, the Kubernetes manifests against
the Kubernetes API models, the image's lock file against the package's dependencies, and the shipped policy
and config of the manifests loaded the way a worker loads them.

No Docker engine or cluster here: these are the schema checks available offline (the Compose schema vendored
by check-jsonschema; the Kubernetes python client's models, where a field the API does not know is dropped on
deserialisation, which the round-trip below catches). KEDA's CRDs are not in either, so the ScaledObject gets
a structural check of the fields KEDA requires.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    jsonschema.validate(compose, schema)
    services = compose["services"]
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    assert services["kafka"]["healthcheck"]["test"]
    assert services["topics"]["command"] == ["topics", "--create"]
    worker = services["guardstream"]
    assert worker["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "topics": {"condition": "service_completed_successfully"},
    }
    assert "/readyz" in " ".join(worker["healthcheck"]["test"])
    assert all(service.get("restart") for service in services.values())
    for secret in ("GUARDSTREAM_HASH_SALT", "GUARDSTREAM_DEAD_LETTER_KEY", "GUARDSTREAM_AUDIT_KEY"):
        assert ":?" in worker["environment"][secret]  # required from the environment, no default secret


def _round_trip(document: dict[str, Any]) -> dict[str, Any]:
    from kubernetes.client import ApiClient

    version = document["apiVersion"].split("/")[-1]  # v1, apps/v1, policy/v1
    assert version == "v1", f"{document['kind']}: use a stable API version, not {document['apiVersion']}"
    client = ApiClient()
    model = client.deserialize(json.dumps(document), f"V1{document['kind']}", "application/json")
    return client.sanitize_for_serialization(model)


def _dropped(original: Any, kept: Any, path: str = "") -> list[str]:
    """Keys of ``original`` that the API model did not keep: fields Kubernetes does not know (typos)."""
    if isinstance(original, dict):
        out = []
        for key, value in original.items():
            if key not in (kept or {}):
                out.append(f"{path}.{key}")
            else:
                out += _dropped(value, kept[key], f"{path}.{key}")
        return out
    if isinstance(original, list):
        return [
            d
            for i, (a, b) in enumerate(zip(original, kept or [], strict=False))
            for d in _dropped(a, b, f"{path}[{i}]")
        ]
    return []


def _by_kind(path: Path) -> dict[str, dict[str, Any]]:
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in _documents(path)}


def test_kubernetes_manifests_are_valid_api_objects() -> None:
    documents = _documents(DEPLOY / "k8s" / "guardstream.yaml")
    assert {d["kind"] for d in documents} == {"ConfigMap", "Secret", "Deployment", "PodDisruptionBudget"}
    for document in documents:
        kept = _round_trip(document)
        assert _dropped(document, kept) == [], f"{document['kind']}: fields the Kubernetes API does not know"
        assert kept["kind"] == document["kind"]


def test_the_deployment_has_probes_resources_secrets_and_the_configmap_policy() -> None:
    manifests = _by_kind(DEPLOY / "k8s" / "guardstream.yaml")
    pod = manifests["Deployment/guardstream-worker"]["spec"]["template"]["spec"]
    worker = pod["containers"][0]
    assert worker["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert worker["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert worker["resources"]["requests"] and worker["resources"]["limits"]
    secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
        for e in worker["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert set(secrets) == {
        "GUARDSTREAM_KAFKA__SASL_PASSWORD",
        "GUARDSTREAM_HASH_SALT",
        "GUARDSTREAM_DEAD_LETTER_KEY",
        "GUARDSTREAM_AUDIT_KEY",
    }
    assert set(secrets.values()) <= set(manifests["Secret/guardstream-secrets"]["stringData"])
    mounts = {m["name"]: m for m in worker["volumeMounts"]}
    assert "subPath" not in mounts["policy"]  # ConfigMap updates must reach the file for hot reload
    assert manifests["PodDisruptionBudget/guardstream-worker"]["spec"]["selector"]["matchLabels"] == {
        "app": "guardstream"
    }


@pytest.mark.model
def test_the_manifests_config_and_policy_load_and_bind_as_a_worker_loads_them(
    tmp_path: Path, bundle_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guardstream.classifiers.guard import Guard
    from guardstream.pipeline.config import load_settings
    from guardstream.pipeline.policy import Policy

    manifests = _by_kind(DEPLOY / "k8s" / "guardstream.yaml")
    config = tmp_path / "config.yaml"
    config.write_text(manifests["ConfigMap/guardstream-config"]["data"]["config.yaml"])
    monkeypatch.setenv("GUARDSTREAM_KAFKA__SASL_PASSWORD", "from-the-secret")  # as the Deployment's env does
    settings = load_settings(config)
    assert str(settings.policy_path) == "/etc/guardstream/policy/policy.yaml" and settings.metrics_host == "0.0.0.0"
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(manifests["ConfigMap/guardstream-policy"]["data"]["policy.yaml"])
    guard = Guard.load()
    policy = Policy.load(policy_file).bind(guard.operating_points, guard.intent_labels)
    assert "banking" in policy.route_names and policy.for_tenant("bank-web").pii.action == "block"


def test_the_keda_scaled_object_scales_the_deployment_on_the_requests_topic_lag() -> None:
    keda = _by_kind(DEPLOY / "k8s" / "keda-scaledobject.yaml")
    scaled = keda["ScaledObject/guardstream-worker"]
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "guardstream-worker"
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "kafka"
    assert {"bootstrapServers", "consumerGroup", "topic", "lagThreshold"} <= set(trigger["metadata"])
    assert (
        trigger["metadata"]["topic"] == "guardstream.requests" and trigger["metadata"]["consumerGroup"] == "guardstream"
    )
    assert f"TriggerAuthentication/{trigger['authenticationRef']['name']}" in keda


def test_the_image_lock_file_pins_every_runtime_dependency_within_its_range() -> None:
    declared = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    pins = {}
    for line in (DEPLOY / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    for requirement in declared:
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in deploy/requirements.lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement.specifier}"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
