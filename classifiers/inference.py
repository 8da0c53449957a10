"""Runtime for the guard-multitask bundle: one ONNX pass per window gives safety, intent and PII.

Only onnxruntime, tokenizers and numpy are imported here so stream processors stay light (no torch).
Long texts are scanned in overlapping windows; safety takes the max over windows so an attack anywhere in a
document counts, intent comes from the first window (where the user's request usually is), and PII spans from
every window are mapped back to character offsets of the original text.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from guardstream.classifiers.bundle import BundleManifest, load_manifest
from guardstream.classifiers.casing import CASE_INPUT, token_case_ids
from guardstream.classifiers.intent_scope import in_scope as intent_in_scope

DEFAULT_BUNDLE = Path(__file__).resolve().parent / "models" / "guard-multitask"
WINDOW_OVERLAP = 32
# ORT session option: exact int8 products on x86 CPUs without VNNI (see session_options).
X64_QUANT_PRECISION = "session.x64quantprecision"


def padded(encodings: Sequence[Encoding]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of a batch of ``tokenizers`` encodings, right-padded with zeros."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), np.int64)
    mask = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def session_options(*, exact_int8: bool = True) -> ort.SessionOptions:
    """ORT options for our int8 graphs: one thread per run (``GuardModel`` runs batches side by side), no spinning.

    ``exact_int8``: on x86 CPUs without VNNI (AVX2 or AVX-512 alone), ORT's u8s8 int8 GEMM adds pairs of
    products in int16 (VPMADDUBSW), which saturates when an int8 weight lies outside [-64, 63], and our
    per-channel weights use the full range. ``session.x64quantprecision`` makes ORT switch those MatMuls to exact
    u8u8 kernels; on VNNI CPUs (int32 accumulation, exact already) ORT leaves them be (onnxruntime PR 12088; not
    measured here, no VNNI CPU was at hand). Measured on an AVX2-only AMD EPYC with v0.5.0 against the unfused
    QDQ graph (exact int8 arithmetic) on CLINC test, XSTest and HarmBench: largest safety-probability error
    0.250 -> 0.041, intent argmax agreement 0.9950 -> 0.9998. Its test card, evaluated on that CPU, read
    HarmBench 0.930, XSTest safe flagged 0.500 and oos recall 0.862 without the option, and with it exactly the
    numbers written on the machine that packaged it (0.940, 0.496, 0.866).
    """
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    # Spinning burns CPU between Kafka messages that the other stream processors on the box need.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if exact_int8:
        opts.add_session_config_entry(X64_QUANT_PRECISION, "1")
    return opts


@dataclass(frozen=True, slots=True)
class ModelSpan:
    """A PII entity; ``start``/``end`` are character offsets into the original text."""

    start: int
    end: int
    type: str
    score: float


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    safety: dict[str, float]
    intent: str
    intent_confidence: float
    in_scope: bool
    pii: tuple[ModelSpan, ...]
    chunks: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class _WindowOutputs:
    """Per-window model outputs; each ONNX run fills its own rows."""

    safety: np.ndarray  # [W, n_safety] probabilities
    intent_probs: np.ndarray  # [W, n_intents] softmax
    intent_logits: np.ndarray  # [W, n_intents] raw, for the energy in-scope score
    in_scope: np.ndarray  # [W] bool, the bundle's in-scope rule applied to the window

    @classmethod
    def empty(cls, windows: int, n_safety: int, n_intents: int) -> _WindowOutputs:
        return cls(
            np.zeros((windows, n_safety), np.float32),
            np.zeros((windows, n_intents), np.float32),
            np.zeros((windows, n_intents), np.float32),
            np.zeros(windows, bool),
        )


@dataclass(frozen=True, slots=True)
class _Window:
    text: int  # index into the predict() input
    start: int  # token offset (no special tokens) into the text's encoding
    end: int


# Per-batch cap on rows x seq^2 (8 windows of 256 tokens): keeps a worker's peak RSS well under 1 GiB.
MAX_ATTENTION_CELLS = 8 * 256 * 256
# Rows per ONNX run. Windows are length-sorted first, so small runs pad each row only to its neighbours'
# length instead of the longest in the batch: on the short-request mix 32 rows ran 1.6x faster than 128.
MAX_BATCH_ROWS = 32
MIN_BATCH_ROWS = 8
# What one extra ONNX run costs, in padded tokens: measured per thread on the 3-layer int8 encoder, a run costs
# ~0.35 ms fixed plus ~57 us per (row x width) token, so splitting a run pays when it saves > ~6 pad tokens.
RUN_COST_TOKENS = 6


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


class _Tokens:
    """One text's encoding with its per-token lists materialised once.

    ``tokenizers.Encoding.ids`` / ``.offsets`` / ``.word_ids`` build a new Python list of the
    whole text on every access; a long document read once per window would cost
    O(windows x tokens) time and memory, so they are converted once here (offsets and word
    ids lazily, only for texts whose windows predicted PII).
    """

    __slots__ = ("_case", "_encoding", "_offsets", "_text", "_word_ids", "ids")

    def __init__(self, encoding: Encoding, text: str):
        self._encoding = encoding
        self._text = text
        self.ids = np.asarray(encoding.ids, dtype=np.int64)
        self._offsets: list[tuple[int, int]] | None = None
        self._word_ids: list[int | None] | None = None
        self._case: np.ndarray | None = None

    @property
    def case_ids(self) -> np.ndarray:
        """Per-token case ids (``classifiers.casing``), for bundles whose graph reads them."""
        if self._case is None:
            self._case = token_case_ids(self._text, self.offsets)
        return self._case

    @property
    def offsets(self) -> list[tuple[int, int]]:
        if self._offsets is None:
            self._offsets = self._encoding.offsets
        return self._offsets

    def line_break_between(self, start: int, end: int) -> bool:
        """Whether a line break lies in ``text[start:end]``.

        The tokenizer turns newlines into plain whitespace, so the model cannot see that "Erik Baader" and
        "Court" sit on different lines of a signature; names, places and dates do not run across lines.
        """
        return "\n" in self._text[start:end] or "\r" in self._text[start:end]

    @property
    def word_ids(self) -> list[int | None]:
        if self._word_ids is None:
            self._word_ids = self._encoding.word_ids
        return self._word_ids


def window_starts(n_tokens: int, body: int, overlap: int, max_chunks: int) -> tuple[list[int], bool]:
    """Window start offsets covering ``n_tokens``; if more than ``max_chunks`` are needed, keep the first
    ``max_chunks - 1`` and the last one (attacks are often appended at the end) and report truncation."""
    if n_tokens <= body:
        return [0], False
    stride = max(1, body - overlap)
    starts = [*range(0, n_tokens - body, stride), n_tokens - body]
    if len(starts) <= max_chunks:
        return starts, False
    if max_chunks <= 1:
        return [starts[-1]], True
    return [*starts[: max_chunks - 1], starts[-1]], True


class GuardModel:
    """Loaded bundle + ONNX session. Thread-safe for concurrent ``predict`` calls (ORT sessions are)."""

    def __init__(
        self,
        manifest: BundleManifest,
        session: ort.InferenceSession,
        tokenizer: Tokenizer,
        *,
        max_batch_tokens: int = 8192,
        max_chunks: int = 64,
        parallel_runs: int = 1,
    ) -> None:
        self.manifest = manifest
        self.version = f"{manifest.name}-{manifest.version}"
        self._session = session
        self._tok = tokenizer
        self._max_batch_tokens = max_batch_tokens
        self._max_chunks = max(1, max_chunks)
        self._max_length = manifest.max_length
        self._cls = tokenizer.token_to_id("[CLS]")
        self._sep = tokenizer.token_to_id("[SEP]")
        self._pad = tokenizer.token_to_id("[PAD]") or 0
        self._parallel_runs = max(1, parallel_runs)
        self._pool = ThreadPoolExecutor(parallel_runs, thread_name_prefix="onnx") if parallel_runs > 1 else None
        tasks = manifest.tasks
        self._safety_labels = list(tasks.safety.labels)
        self._intent_labels = list(tasks.intent.labels)
        self._oos_index = self._intent_labels.index(tasks.intent.oos_label)
        self._oos_label = tasks.intent.oos_label
        self._intent_threshold = tasks.intent.threshold
        self._intent_score = tasks.intent.score
        self._pii_labels = list(tasks.pii.labels)
        self._pii_threshold = tasks.pii.threshold
        # Graphs trained with --case-input take letter case as a third input; others read ids and mask only.
        self._case_input = CASE_INPUT in {i.name for i in session.get_inputs()}

    @classmethod
    def load(
        cls,
        bundle_dir: str | Path | None = None,
        *,
        intra_op_threads: int | None = None,
        max_batch_tokens: int = 8192,
        max_chunks: int = 64,
        exact_int8: bool = True,
    ) -> GuardModel:
        """Verify the bundle (sha256 of every file) and create the ORT session; ``None`` = packaged bundle.

        ``exact_int8=False`` lets ORT use its faster, saturating int8 kernels on x86 CPUs without VNNI (see
        :func:`session_options`); it exists so ``bench.int8_precision`` can measure what exactness costs.

        ``intra_op_threads`` is how many CPU threads the model may use (default: all cores). They are used as
        that many concurrent single-threaded runs over the length-sorted batches rather than as ORT's intra-op
        threads: measured on 2 cores, short requests, 1.8x vs 1.2x over one thread (small GEMMs split poorly).
        """
        root = Path(bundle_dir) if bundle_dir is not None else DEFAULT_BUNDLE
        manifest = load_manifest(root)
        threads = intra_op_threads or os.cpu_count() or 1
        opts = session_options(exact_int8=exact_int8)
        session = ort.InferenceSession(str(root / manifest.model_file), opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(root / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        return cls(
            manifest, session, tok, max_batch_tokens=max_batch_tokens, max_chunks=max_chunks, parallel_runs=threads
        )

    # -- public -------------------------------------------------------------------------------------------
    @property
    def pii_threshold(self) -> float:
        """Token confidence a PII tag needs (the bundle's calibrated value unless changed)."""
        return self._pii_threshold

    @pii_threshold.setter
    def pii_threshold(self, value: float) -> None:
        # Packaging sweeps it on validation and evaluation's oracle on test; at run time it stays the bundle's.
        self._pii_threshold = float(value)

    def predict(self, texts: Sequence[str]) -> list[ModelVerdict]:
        texts = list(texts)
        if not texts:
            return []
        per_text, truncated, out, spans = self._forward(texts)
        return [self._verdict(per_text[i], truncated[i], out, spans[i]) for i in range(len(texts))]

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw per-text scores for calibration/evaluation tooling: safety probabilities (max over windows,
        zeros for empty texts) [N, 3] and first-window intent probabilities [N, n_intents]."""
        s, logits = self.scores_and_intent_logits(texts)
        return s, _softmax(logits).astype(np.float32)

    def scores_and_intent_logits(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Like ``scores`` but with the first window's raw intent logits [N, n_intents], which the ``energy``
        in-scope score (``classifiers.intent_scope``) reads; rows of empty texts are zeros."""
        texts = list(texts)
        per_text, _, out, _ = self._forward(texts)
        s = np.zeros((len(texts), len(self._safety_labels)), np.float32)
        logits = np.zeros((len(texts), len(self._intent_labels)), np.float32)
        for i, wins in enumerate(per_text):
            if wins:
                s[i] = out.safety[wins].max(axis=0)
                logits[i] = out.intent_logits[wins[0]]
        return s, logits

    def _forward(self, texts: list[str]):
        encoded = self._tok.encode_batch(texts, add_special_tokens=False)
        encs = [_Tokens(e, t) for e, t in zip(encoded, texts, strict=True)]
        body = self._max_length - 2
        windows: list[_Window] = []
        per_text: list[list[int]] = [[] for _ in texts]
        truncated = [False] * len(texts)
        for i, e in enumerate(encs):
            n = len(e.ids)
            if n == 0:
                continue
            starts, truncated[i] = window_starts(n, body, WINDOW_OVERLAP, self._max_chunks)
            for s in starts:
                per_text[i].append(len(windows))
                windows.append(_Window(i, s, min(n, s + body)))
        out = _WindowOutputs.empty(len(windows), len(self._safety_labels), len(self._intent_labels))
        spans: list[list[ModelSpan]] = [[] for _ in texts]
        batches = self._batches(windows)
        if self._pool is None or len(batches) == 1:
            for batch in batches:
                self._run(batch, windows, encs, out, spans)
        else:
            # Runs write disjoint rows of the result arrays; span lists are sorted per text afterwards.
            list(self._pool.map(lambda b: self._run(b, windows, encs, out, spans), batches))
        return per_text, truncated, out, spans

    # -- internals ----------------------------------------------------------------------------------------
    def _batches(self, windows: list[_Window]) -> list[list[int]]:
        """Length-sorted runs chosen to minimise padded tokens plus a fixed cost per run.

        A greedy split (fill each run to ``max_rows``) pads every row to the longest in its run: on a small batch
        of mixed short messages that wasted ~30% of the model's work. Over the sorted lengths, the cheapest
        contiguous partition is found exactly by dynamic programming, O(windows x max_rows).
        """
        order = sorted(range(len(windows)), key=lambda k: windows[k].end - windows[k].start)
        widths = [windows[k].end - windows[k].start + 2 for k in order]
        # Enough runs to keep every thread busy: a 32-message batch is two 16-row runs on 2 threads, not one
        # run on one thread (at moderate load the stream hands over small batches; measured p50 latency 132 ms
        # at half load with one run per small batch).
        max_rows = max(MIN_BATCH_ROWS, min(MAX_BATCH_ROWS, -(-len(windows) // self._parallel_runs)))
        n = len(order)
        best = [0.0] + [float("inf")] * n  # best[j]: cheapest cost of the first j sorted windows
        cut = [0] * (n + 1)
        for j in range(1, n + 1):
            width = widths[j - 1]  # the longest row of any run ending at j
            for i in range(j - 1, max(-1, j - 1 - max_rows), -1):
                rows = j - i
                # Tokens bound the matmul work; rows x width^2 bounds the attention buffers, which dominate
                # peak memory for long windows (32 x 256 tokens took ~1 GB of arena). One row always fits.
                if rows > 1 and (rows * width > self._max_batch_tokens or rows * width * width > MAX_ATTENTION_CELLS):
                    break
                cost = best[i] + RUN_COST_TOKENS + rows * width
                if cost < best[j]:
                    best[j], cut[j] = cost, i
        batches: list[list[int]] = []
        j = n
        while j > 0:
            batches.append(order[cut[j] : j])
            j = cut[j]
        batches.reverse()
        return batches

    def _run(self, batch, windows, encs, out: _WindowOutputs, spans) -> None:
        width = max(windows[k].end - windows[k].start for k in batch) + 2
        ids = np.full((len(batch), width), self._pad, np.int64)
        att = np.zeros((len(batch), width), np.int64)
        case = np.zeros((len(batch), width), np.int64) if self._case_input else None
        for r, k in enumerate(batch):
            w = windows[k]
            n = w.end - w.start
            ids[r, 0] = self._cls
            ids[r, 1 : n + 1] = encs[w.text].ids[w.start : w.end]
            ids[r, n + 1] = self._sep
            att[r, : n + 2] = 1
            if case is not None:
                case[r, 1 : n + 1] = encs[w.text].case_ids[w.start : w.end]
        feed = {"input_ids": ids, "attention_mask": att}
        if case is not None:
            feed[CASE_INPUT] = case
        s_log, i_log, p_log = self._session.run(["safety_logits", "intent_logits", "pii_logits"], feed)
        out.safety[batch] = _sigmoid(s_log)
        out.intent_probs[batch] = _softmax(i_log)
        out.intent_logits[batch] = i_log
        out.in_scope[batch] = intent_in_scope(i_log, self._oos_index, self._intent_score, self._intent_threshold)
        pred = p_log.argmax(-1)
        pred[att == 0] = 0
        pred[:, 0] = 0
        for r in np.flatnonzero(pred.any(axis=1)):
            k = batch[r]
            w = windows[k]
            n = w.end - w.start
            probs = _softmax(p_log[r, 1 : n + 1])
            spans[w.text].extend(self._decode(encs[w.text], w.start, pred[r, 1 : n + 1], probs))

    def _decode(self, enc: _Tokens, start: int, pred: np.ndarray, probs: np.ndarray) -> list[ModelSpan]:
        """BIO over words: the first sub-token of each word carries the label; a span is B (or a stray I)
        plus following I of the same type on the same line; its char range runs to the end of its last word's
        last piece."""
        word_ids = enc.word_ids
        offsets = enc.offsets
        out: list[ModelSpan] = []
        cur_type: str | None = None
        cur_start = cur_end = 0
        scores: list[float] = []
        prev_word: int | None = None
        for j in range(len(pred)):
            t = start + j
            wid = word_ids[t]
            if wid is not None and wid == prev_word:
                if cur_type is not None:
                    cur_end = offsets[t][1]
                continue
            prev_word = wid
            lbl_idx = int(pred[j])
            p = float(probs[j, lbl_idx])
            label = self._pii_labels[lbl_idx] if p >= self._pii_threshold else "O"
            if label == "O":
                if cur_type is not None:
                    out.append(ModelSpan(cur_start, cur_end, cur_type, float(np.mean(scores))))
                cur_type = None
                continue
            tag, typ = label.split("-", 1)
            if tag == "I" and cur_type == typ and not enc.line_break_between(cur_end, offsets[t][0]):
                cur_end = offsets[t][1]
                scores.append(p)
                continue
            if cur_type is not None:
                out.append(ModelSpan(cur_start, cur_end, cur_type, float(np.mean(scores))))
            cur_type, cur_start, cur_end, scores = typ, offsets[t][0], offsets[t][1], [p]
        if cur_type is not None:
            out.append(ModelSpan(cur_start, cur_end, cur_type, float(np.mean(scores))))
        return out

    @staticmethod
    def _dedupe(spans: list[ModelSpan]) -> tuple[ModelSpan, ...]:
        """Merge same-type overlaps from overlapping windows (union, max score); on a type clash keep the
        higher-scoring span."""
        out: list[ModelSpan] = []
        for s in sorted(spans, key=lambda x: (x.start, -x.end)):
            if out and s.start < out[-1].end:
                last = out[-1]
                if s.type == last.type:
                    out[-1] = ModelSpan(last.start, max(last.end, s.end), last.type, max(last.score, s.score))
                elif s.score > last.score:
                    out[-1] = s
                continue
            out.append(s)
        return tuple(out)

    def _verdict(self, wins, truncated, out: _WindowOutputs, spans) -> ModelVerdict:
        if not wins:
            return ModelVerdict(
                safety={lbl: 0.0 for lbl in self._safety_labels},
                intent=self._oos_label,
                intent_confidence=0.0,
                in_scope=False,
                pii=(),
                chunks=0,
                truncated=False,
            )
        s = out.safety[wins].max(axis=0)
        probs = out.intent_probs[wins[0]]
        in_scope_probs = probs.copy()
        in_scope_probs[self._oos_index] = -1.0
        best = int(in_scope_probs.argmax())
        best_p = float(probs[best])
        # oos when the oos class wins outright or the in-scope score is below the threshold calibrated on val
        # (classifiers.intent_scope: the best in-scope probability, or the energy of the in-scope logits).
        in_scope = bool(out.in_scope[wins[0]])
        return ModelVerdict(
            safety={lbl: float(s[j]) for j, lbl in enumerate(self._safety_labels)},
            intent=self._intent_labels[best] if in_scope else self._oos_label,
            intent_confidence=best_p if in_scope else 1.0 - best_p,
            in_scope=in_scope,
            pii=self._dedupe(spans) if spans else (),
            chunks=len(wins),
            truncated=truncated,
        )
