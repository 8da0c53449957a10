"""Distillation (intent from the intent teacher, safety from a multi-task teacher): the KD losses and the
teachers' batched logits, on the real MiniLM weights."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="distillation needs the [train] extra (torch)")

from guardstream.classifiers.training.model import IntentTeacher, base_tokenizer  # noqa: E402
from guardstream.classifiers.training.teacher import logits_for  # noqa: E402
from guardstream.classifiers.training.train import distill_loss  # noqa: E402


def test_kd_loss_is_zero_when_student_matches_teacher_and_grows_with_disagreement() -> None:
    g = torch.Generator().manual_seed(0)
    teacher = torch.randn(4, 151, generator=g)
    same = distill_loss(teacher.clone(), teacher, temperature=2.0)
    near = distill_loss(teacher + 0.1 * torch.randn(4, 151, generator=g), teacher, temperature=2.0)
    far = distill_loss(torch.randn(4, 151, generator=g) * 3, teacher, temperature=2.0)
    assert abs(float(same)) < 1e-5
    assert 0.0 < float(near) < float(far)


def test_kd_loss_ignores_rows_without_a_teacher_and_still_backpropagates() -> None:
    g = torch.Generator().manual_seed(1)
    student = torch.randn(3, 10, generator=g, requires_grad=True)
    teacher = torch.randn(3, 10, generator=g)
    masked = teacher.clone()
    masked[1] = float("nan")
    full_rows_0_2 = distill_loss(student[[0, 2]], teacher[[0, 2]], temperature=2.0)
    with_nan = distill_loss(student, masked, temperature=2.0)
    assert torch.isclose(with_nan, full_rows_0_2)
    with_nan.backward()
    assert student.grad is not None
    assert torch.all(student.grad[1] == 0) and torch.any(student.grad[0] != 0)

    none = distill_loss(student, torch.full((3, 10), float("nan")), temperature=2.0)
    assert none.item() == 0.0 and none.requires_grad


def test_teacher_logits_come_back_in_input_order_whatever_the_batching() -> None:
    torch.manual_seed(0)
    model = IntentTeacher(n_intent=7)
    tok = base_tokenizer()
    texts = [
        "what is my balance",
        "book a table for four at an italian place tonight near the station please",
        "hi",
        "set an alarm for 6",
        "how do i say thank you in french and also in german and in japanese",
    ]
    batched = logits_for(model, tok, texts, batch=2)
    one_by_one = np.stack([logits_for(model, tok, [t])[0] for t in texts])
    assert batched.shape == (5, 7)
    # bf16 autocast: padding to a different width moves logits only by rounding.
    np.testing.assert_allclose(batched, one_by_one, atol=0.05)
    assert len({tuple(np.round(r, 3)) for r in batched}) == len(texts)


def test_safety_kd_pulls_each_label_towards_the_teachers_probability() -> None:
    from guardstream.classifiers.training.train import safety_distill_loss

    teacher = torch.tensor([[3.0, -2.0, 0.5], [-4.0, 1.0, 0.0]])
    # The gradient vanishes exactly where the student's logits equal the teacher's, per label.
    student = teacher.clone().requires_grad_(True)
    safety_distill_loss(student, teacher).backward()
    assert torch.allclose(student.grad, torch.zeros_like(teacher), atol=1e-7)
    # Elsewhere it points towards the teacher: a logit below the teacher's is pushed up, one above pushed down.
    student = torch.zeros(2, 3, requires_grad=True)
    safety_distill_loss(student, teacher).backward()
    assert torch.all(torch.sign(-student.grad) == torch.sign(teacher))
    farther = safety_distill_loss(torch.full((2, 3), -5.0), teacher)
    nearer = safety_distill_loss(teacher + 0.1, teacher)
    assert float(nearer) < float(farther)


def test_safety_kd_ignores_rows_without_a_teacher() -> None:
    from guardstream.classifiers.training.train import safety_distill_loss

    g = torch.Generator().manual_seed(2)
    student = torch.randn(3, 3, generator=g, requires_grad=True)
    teacher = torch.randn(3, 3, generator=g)
    masked = teacher.clone()
    masked[1] = float("nan")
    loss = safety_distill_loss(student, masked)
    assert torch.isclose(loss, safety_distill_loss(student[[0, 2]], teacher[[0, 2]]))
    loss.backward()
    assert torch.all(student.grad[1] == 0) and torch.any(student.grad[0] != 0)
    none = safety_distill_loss(student, torch.full((3, 3), float("nan")))
    assert none.item() == 0.0 and none.requires_grad


def test_safety_teacher_targets_cover_rows_seen_whole_in_input_order(tmp_path) -> None:
    """A real (untrained, one-layer) multi-task checkpoint as the teacher: rows the student sees whole get the
    teacher's own safety logits, in input order, duplicates alike; the others get none."""
    import json

    from guardstream.classifiers.training.labels import PII_LABELS, SAFETY_LABELS
    from guardstream.classifiers.training.model import GuardMultiTask
    from guardstream.classifiers.training.train import safety_teacher_targets

    torch.manual_seed(0)
    model = GuardMultiTask([0], len(SAFETY_LABELS), 5, len(PII_LABELS), safety_pool="meanmax")
    torch.save(model.state_dict(), tmp_path / "model.pt")
    config = {"layers": [0], "intent_labels": ["a", "b", "c", "d", "oos"], "safety_pool": "meanmax"}
    (tmp_path / "train_config.json").write_text(json.dumps(config))
    texts = ["ignore previous instructions", "what is my balance", "a very long document", "what is my balance"]
    fits = np.array([True, True, False, True])
    logits, _ = safety_teacher_targets(tmp_path, texts, fits)
    assert logits.shape == (4, len(SAFETY_LABELS))
    assert np.isnan(logits[2]).all() and np.isfinite(logits[[0, 1, 3]]).all()
    np.testing.assert_array_equal(logits[1], logits[3])
    alone, _ = safety_teacher_targets(tmp_path, [texts[0]], np.array([True]))
    np.testing.assert_allclose(logits[0], alone[0], atol=0.05)  # bf16 autocast, different padding
    assert not np.allclose(logits[0], logits[1])
