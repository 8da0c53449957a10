"""The in-scope rule: which score the intent threshold reads, how packaging picks it, and that the runtime
applies exactly the rule its manifest names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guardstream.classifiers.bundle import BundleManifest, load_manifest
from guardstream.classifiers.inference import GuardModel
from guardstream.classifiers.intent_scope import beats_oos, in_scope, in_scope_scores
from guardstream.classifiers.training.calibrate import intent_rule

OOS = 3  # oos is the last of four classes in these synthetic logits


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def test_max_prob_is_the_best_in_scope_softmax_probability() -> None:
    logits = np.random.default_rng(0).normal(0, 3, (200, 4))
    expected = _softmax(logits)[:, :OOS].max(1)
    np.testing.assert_allclose(in_scope_scores(logits, OOS, "max_prob"), expected, rtol=1e-9)


def test_energy_is_the_log_sum_exp_of_the_in_scope_logits_and_keeps_their_scale() -> None:
    logits = np.random.default_rng(1).normal(0, 3, (200, 4))
    expected = np.log(np.exp(logits[:, :OOS]).sum(1))
    np.testing.assert_allclose(in_scope_scores(logits, OOS, "energy"), expected, rtol=1e-9)
    # Softmax forgets a shift of every logit; energy moves with it (that is what tells familiar from unfamiliar).
    np.testing.assert_allclose(in_scope_scores(logits + 5, OOS, "max_prob"), in_scope_scores(logits, OOS, "max_prob"))
    np.testing.assert_allclose(in_scope_scores(logits + 5, OOS, "energy"), in_scope_scores(logits, OOS, "energy") + 5)


def test_a_winning_oos_class_is_out_of_scope_at_any_threshold() -> None:
    logits = np.array([[9.0, 1.0, 1.0, 2.0], [9.0, 1.0, 1.0, 10.0]])
    assert beats_oos(logits, OOS).tolist() == [True, False]
    for score in ("max_prob", "energy"):
        assert in_scope(logits, OOS, score, threshold=-1e9).tolist() == [True, False]


def test_unknown_score_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown intent score"):
        in_scope_scores(np.zeros((1, 4)), OOS, "entropy")  # type: ignore[arg-type]


def _validation(oos_scale: float, in_scale: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """In-scope rows peak on their own intent, oos rows on a random one; ``*_scale`` multiplies each group's
    logits. A smaller oos scale flattens the oos rows' softmax only a little but lowers their energy a lot."""
    rng = np.random.default_rng(seed)
    n_in, n_oos = 600, 200
    gold = np.concatenate([rng.integers(0, OOS, n_in), np.full(n_oos, OOS)])
    logits = rng.normal(0, 1, (n_in + n_oos, 4))
    peak = np.concatenate([gold[:n_in], rng.integers(0, OOS, n_oos)])
    logits[np.arange(len(gold)), peak] += 4
    logits[:, OOS] = -10  # the oos class never wins here, so only the threshold decides
    logits[:n_in] *= in_scale
    logits[n_in:] *= oos_scale
    return logits, gold


def test_packaging_picks_energy_when_oos_rows_are_peaked_but_weak() -> None:
    logits, gold = _validation(oos_scale=0.6, in_scale=1.0)
    out = intent_rule(logits, gold, OOS, min_oos_recall=0.9)
    assert out["score"] == "energy"
    assert set(out["alternatives"]) == {"max_prob", "energy"}
    assert out["val_oos_recall"] >= 0.9
    assert out["val_in_scope_acc"] > out["alternatives"]["max_prob"]["val_in_scope_acc"]
    # The reported figures are what the chosen rule does on these rows.
    keep = in_scope(logits, OOS, "energy", out["threshold"])
    correct = logits[:, :OOS].argmax(1) == gold
    is_oos = gold == OOS
    assert out["val_in_scope_acc"] == pytest.approx((keep & correct)[~is_oos].mean())
    assert out["val_oos_recall"] == pytest.approx((~keep)[is_oos].mean())


def test_packaging_keeps_max_prob_when_energy_does_not_separate_better() -> None:
    # oos rows: every in-scope logit high and about equal, i.e. a flat softmax (low max_prob) with HIGH energy.
    logits, gold = _validation(oos_scale=1.0, in_scale=1.0, seed=3)
    is_oos = gold == OOS
    logits[is_oos, :OOS] = 8 + np.random.default_rng(3).normal(0, 0.3, (is_oos.sum(), OOS))
    out = intent_rule(logits, gold, OOS, min_oos_recall=0.9)
    assert out["score"] == "max_prob"
    assert out["val_in_scope_acc"] > out["alternatives"]["energy"]["val_in_scope_acc"]


def test_manifests_without_a_score_mean_max_prob(bundle_dir: Path) -> None:
    raw = load_manifest(bundle_dir).model_dump()
    del raw["tasks"]["intent"]["score"]
    assert BundleManifest.model_validate(raw).tasks.intent.score == "max_prob"


@pytest.mark.model
@pytest.mark.parametrize("score", ["max_prob", "energy"])
def test_runtime_routes_by_the_manifests_rule(bundle_dir: Path, score: str) -> None:
    """The real bundle under either rule: every verdict is the rule applied to that text's own logits."""
    shipped = GuardModel.load(bundle_dir, intra_op_threads=1)
    man = shipped.manifest.model_copy(deep=True)
    man.tasks.intent.score = score  # type: ignore[assignment]
    texts = [
        "what is my checking account balance",
        "book me a table for two at an italian place tonight",
        "how do i make a sourdough starter",
        "tell me about the history of the roman empire",
        "set an alarm for 6 am",
        "what's the weather like in paris",
        "who won the world series in 1998",
        "can you transfer 100 dollars to my savings",
        "write a poem about autumn leaves",
        "my card was declined at the store",
    ]
    _, logits = shipped.scores_and_intent_logits(texts)
    oos = man.tasks.intent.labels.index(man.tasks.intent.oos_label)
    # A threshold at the median of these texts' own scores, so both outcomes occur.
    man.tasks.intent.threshold = float(np.median(in_scope_scores(logits, oos, score)))  # type: ignore[arg-type]
    model = GuardModel(man, shipped._session, shipped._tok)
    expected = in_scope(logits, oos, score, man.tasks.intent.threshold)  # type: ignore[arg-type]
    verdicts = model.predict(texts)
    assert [v.in_scope for v in verdicts] == expected.tolist()
    assert 0 < expected.sum() < len(texts)
    for v, row in zip(verdicts, logits, strict=True):
        best = man.tasks.intent.labels[int(np.delete(row, oos).argmax())]
        assert v.intent == (best if v.in_scope else man.tasks.intent.oos_label)


def test_packaging_defaults_to_max_prob_and_checks_the_rule_names() -> None:
    from guardstream.classifiers.training.package import DEFAULT_INTENT_SCORES, _intent_scores_arg

    assert DEFAULT_INTENT_SCORES == ("max_prob",)
    assert _intent_scores_arg("max_prob, energy") == ("max_prob", "energy")
    with pytest.raises(SystemExit, match="--intent-scores"):
        _intent_scores_arg("max_prob,entropy")
