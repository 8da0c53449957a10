"""Intent distillation: the KD loss and the teacher's batched logits, on the real MiniLM weights."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="distillation needs the [train] extra (torch)")

from classifiers.training.model import IntentTeacher, base_tokenizer  # noqa: E402
from classifiers.training.teacher import logits_for  # noqa: E402
from classifiers.training.train import distill_loss  # noqa: E402


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
