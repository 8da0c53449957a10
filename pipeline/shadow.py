"""Shadow evaluation: a candidate policy and/or challenger model decides every message next to the live ones.

Nothing it decides is acted on: the live decision routes, the shadow one is only recorded in the audit
record's ``shadow`` object (and counted in metrics), so a stricter policy or a new bundle can be judged
on real traffic before it goes live. With a challenger model the batch is scored twice, which is the
cost ``bench/audit_costs.py`` reports; with a shadow policy alone the live scores are reused and the cost is
one more policy evaluation per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from guardstream.classifiers.guard import Guard, Verdict
from guardstream.pipeline.decision import judge
from guardstream.pipeline.policy import Policy
from guardstream.topics import Request, ShadowDecision

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class Shadow:
    """``policy`` is bound to the scoring model: the challenger's own operating points when there is one."""

    policy: Policy
    model_version: str
    challenger: Guard | None = None

    def verdicts(self, texts: list[str], live: Sequence[Verdict | Exception]) -> Sequence[Verdict | Exception]:
        """The challenger's verdicts, or the live ones; a failing challenger never fails the live path."""
        if self.challenger is None:
            return live
        try:
            return list(self.challenger.classify(texts))
        except Exception as error:
            log.warning("shadow_model_failed", size=len(texts), error_type=type(error).__name__)
            return [error] * len(texts)

    def decide(self, request: Request, verdict: Verdict | Exception) -> ShadowDecision | None:
        """The shadow's decision for one request (``None`` when the challenger could not score it)."""
        if isinstance(verdict, Exception):
            return None
        judgement = judge(request, verdict, self.policy)
        return ShadowDecision(
            decision=judgement.decision,
            reasons=list(judgement.reasons),
            route=judgement.route,
            policy=judgement.policy_version,
            model=self.model_version,
        )
