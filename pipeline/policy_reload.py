"""Hot reload: the worker picks up an edited policy file without a restart, or refuses it and keeps the old one.

The processor asks ``PolicyReloader.check`` at the start of every batch; it looks at the file at most once per
``interval_s`` (a stat, then a hash only when the stat changed), so every batch that starts ``interval_s``
after an edit is decided by the new version, and a batch is always decided by one policy. (An idle worker
notices the edit with its next batch: nothing is decided in between.) A new version is applied only when it
parses, validates, binds to the loaded model bundle (thresholds, intents), can be redacted with the configured
salt, and routes only to topics the worker already has; otherwise it is refused with one log line that names
the file and the reason, a metric counts it, and the running policy stays.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import structlog
import yaml
from pydantic import SecretStr

from guardstream.classifiers.guard import Guard
from guardstream.pipeline.policy import Policy
from guardstream.pipeline.redaction import Redactor

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Signature:
    mtime_ns: int
    size: int
    sha256: str


class PolicyRefused(ValueError):
    """A new policy version that cannot be applied (the message says why, in one line)."""


class PolicyReloader:
    def __init__(
        self,
        path: Path,
        guard: Guard,
        route_names: Collection[str],
        hash_salt: SecretStr | None,
        *,
        interval_s: float = 1.0,
        on_result: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.guard = guard
        self.route_names = set(route_names)
        self.hash_salt = hash_salt
        self.interval_s = interval_s
        self.on_result = on_result
        self._signature = self._read_signature()
        self._next_check = time.monotonic() + interval_s

    def check(self, current: Policy) -> Policy | None:
        """A new, valid policy when the file changed to one; ``None`` when nothing is to be applied."""
        now = time.monotonic()
        if now < self._next_check:
            return None
        self._next_check = now + self.interval_s
        try:
            stat = self.path.stat()
        except OSError as error:
            return self._refuse(f"cannot read {self.path}: {error.strerror}")
        if self._signature and (stat.st_mtime_ns, stat.st_size) == (self._signature.mtime_ns, self._signature.size):
            return None
        signature = self._read_signature()
        if signature is None or (self._signature is not None and signature.sha256 == self._signature.sha256):
            self._signature = signature or self._signature
            return None
        self._signature = signature
        try:
            policy = self._validated(current)
        except (ValueError, OSError, yaml.YAMLError) as error:
            return self._refuse(_one_line(error))
        log.info("policy_reloaded", path=str(self.path), old_version=current.version, new_version=policy.version)
        self._report("applied")
        return policy

    def _validated(self, current: Policy) -> Policy:
        policy = Policy.load(self.path).bind(self.guard.operating_points, self.guard.intent_labels)
        if policy.version == current.version:
            raise PolicyRefused(f"its version {policy.version!r} is the running one: change the version with the rules")
        missing = sorted(set(policy.route_names) - self.route_names)
        if missing:
            raise PolicyRefused(
                f"it routes to topics this worker does not have ({', '.join(missing)}): restart to add them"
            )
        for rule in [policy.pii, *(t.pii for t in policy.tenants.values())]:
            Redactor(rule, self.hash_salt)  # a hash operator needs the salt
        return policy

    def _refuse(self, reason: str) -> None:
        log.warning("policy_reload_refused", path=str(self.path), reason=reason)
        self._report("refused")
        return None

    def _report(self, result: str) -> None:
        if self.on_result is not None:
            self.on_result(result)

    def _read_signature(self) -> _Signature | None:
        try:
            stat = self.path.stat()
            digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None
        return _Signature(stat.st_mtime_ns, stat.st_size, digest)


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."
