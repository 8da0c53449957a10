"""Letter case as a model input: the ids the runtime, calibration and training compute must be the same thing."""

from __future__ import annotations

import random

import numpy as np
from tokenizers import Tokenizer

from guardstream.classifiers.casing import token_case_ids
from guardstream.classifiers.inference import DEFAULT_BUNDLE
from guardstream.classifiers.training.data.common import BENIGN, Example
from guardstream.classifiers.training.encode import collate, encode_all
from guardstream.classifiers.training.quantize import calibration_feeds


def _tokenizer() -> Tokenizer:
    tok = Tokenizer.from_file(str(DEFAULT_BUNDLE / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def _case_by_token(text: str) -> list[tuple[str, int]]:
    enc = _tokenizer().encode(text, add_special_tokens=False)
    return list(zip(enc.tokens, token_case_ids(text, enc.offsets).tolist(), strict=True))


def test_uncased_tokens_get_their_case_back() -> None:
    pairs = _case_by_token("Jarmila met BUNDALAGUAH people in mill Village")
    # the tokenizer lower-cases everything: the case ids are the only trace of the capitals
    assert all(tok == tok.lower() for tok, _ in pairs)
    assert pairs[:3] == [("jar", 1), ("##mi", 0), ("##la", 0)]
    allcaps = [c for tok, c in pairs[4:9]]
    assert allcaps == [1, 1, 1, 1, 1], pairs  # every piece of an all-caps word starts upper-case
    assert ("people", 0) in pairs and ("mill", 0) in pairs and ("village", 1) in pairs


def test_accented_capitals_and_special_tokens() -> None:
    text = "Émile Žižek"
    enc = _tokenizer().encode(text)  # with [CLS]/[SEP]: their (0, 0) offsets must read as 0
    case = token_case_ids(text, enc.offsets)
    assert case[0] == 0 and case[-1] == 0
    starts = [c for (a, _), c in zip(enc.offsets, case, strict=True) if a in (0, 6) and c]
    assert len(starts) == 2


def test_lowercase_text_is_all_zero() -> None:
    enc = _tokenizer().encode("what's the weather in paris", add_special_tokens=False)
    assert not token_case_ids("what's the weather in paris", enc.offsets).any()


def test_training_batches_carry_case_and_sentence_case_only_pii_free_lowercase_rows() -> None:
    tok = _tokenizer()
    rows = [
        Example(text=f"how do i pay bill number {i}", source="t", safety=BENIGN, intent="pay_bill") for i in range(200)
    ]
    rows.append(Example(text="john smith lives here", source="t", safety=BENIGN, pii=((0, 10, "PERSON"),)))
    rows.append(Example(text="Ask Mary", source="t", safety=BENIGN, pii=((4, 8, "PERSON"),)))
    enc = encode_all(tok, rows, {"pay_bill": 0}, with_case=True)
    first = np.array([e.case[0] for e in enc[:200]])
    # about half the lowercase intent rows are shown sentence-cased, deterministically, and only the first token
    assert 60 < first.sum() < 140
    assert all(not e.case[1:].any() for e in enc[:200])
    assert [e.case[0] for e in encode_all(tok, rows[:200], {"pay_bill": 0}, with_case=True)] == first.tolist()
    assert not enc[200].case.any()  # a lowercase row with a PII label keeps its real (absent) case
    assert enc[201].case.tolist() == [1, 1]
    assert all(e.case is None for e in encode_all(tok, rows, {"pay_bill": 0}))
    *_, case = collate(enc[200:], 16, 101, 102, random.Random(0))
    assert case.tolist() == [[0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 0]]


def test_calibration_feeds_add_case_ids_only_when_asked() -> None:
    tok = _tokenizer()
    texts = ["Send it to Anna in Berlin", "no capitals here"]
    plain = calibration_feeds(texts, tok, width=None)
    with_case = calibration_feeds(texts, tok, width=None, case=True)
    assert set(plain[0]) == {"input_ids", "attention_mask"}
    feed = with_case[0]
    assert set(feed) == {"input_ids", "attention_mask", "case_ids"}
    assert feed["case_ids"].shape == feed["input_ids"].shape
    assert feed["case_ids"].sum() == 3  # Send, Anna, Berlin; lowercase row and [CLS]/[SEP]/pad are 0
