"""Evasion normalization applied before *safety* classification (not before PII).

Jailbreak and abuse prompts dodge token-based classifiers with characters that
render the same but tokenize differently: fullwidth/stylised letters, zero-width
joiners inside words, bidi overrides, Cyrillic "а" in "pаssword". This stage maps
such text back to the plain form the classifier was trained on. PII detection runs
on the original text, so this function is free to change lengths and offsets.

Order matters: invisible characters are removed *before* NFKC so that letters split
by a zero-width space can compose, and confusables are folded after NFKC so the
table only needs canonical code points.

The second half undoes cheap encodings a reader decodes without effort (leetspeak,
spelled-out letters, base64/hex/rot13 payloads). Those are guesses, so they produce
*variants* (``labelled_variants``) that the guard scores next to the original, never
a replacement for it.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from typing import Final, NamedTuple

# Zero-width and formatting characters that are invisible when rendered.
_INVISIBLE: Final = (
    "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad"  # zero-width space/non-joiner/joiner, word joiner, BOM, MVS, SHY
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u200e\u200f"  # LRM, RLM
)
_REMOVE_INVISIBLE: Final = dict.fromkeys(map(ord, _INVISIBLE))

# Cyrillic and Greek letters that are visually identical (in common fonts) to a Latin
# letter. Deliberately small: only near-perfect look-alikes, so folding never turns
# a legitimately mixed word into something else.
_CONFUSABLES: Final[dict[str, str]] = {
    # Cyrillic lowercase
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
    "ѕ": "s", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Cyrillic uppercase
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W",
    # Greek uppercase
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek lowercase
    "ο": "o", "ν": "v", "α": "a", "ι": "i", "κ": "k", "ρ": "p", "υ": "u",
}  # fmt: skip
_FOLD_CONFUSABLES: Final = str.maketrans(_CONFUSABLES)
_CONFUSABLE_CHARS: Final = "".join(_CONFUSABLES)

_LATIN_RANGES: Final = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
# Letter runs ([^\W\d_] is "word character that is not a digit or underscore").
_WORD: Final = re.compile(r"[^\W\d_]+")
_HAS_CONFUSABLE: Final = re.compile(f"[{_CONFUSABLE_CHARS}]")
_LATIN_LETTER: Final = re.compile(f"[{_LATIN_RANGES}]")
# Letters that are neither Latin nor one of the look-alikes: real foreign-script text.
_OTHER_LETTER: Final = re.compile(rf"[^\W\d_{_LATIN_RANGES}{_CONFUSABLE_CHARS}]")


def normalize_for_classification(text: str) -> str:
    """NFKC, drop invisible/bidi controls, fold Latin look-alikes, collapse whitespace.

    Confusables are folded only in words that are disguised Latin: words whose
    non-Latin letters are *all* look-alikes and that either contain a real Latin
    letter ("pаypаl") or stand in text that is mostly Latin ("run ехес now", written
    entirely in Cyrillic look-alikes). Words with any other non-Latin letter, and
    look-alike-only words in mostly Cyrillic/Greek text, are real Russian/Greek and
    left alone.
    """
    return " ".join(fold_unicode(text).split())


def fold_unicode(text: str) -> str:
    """``normalize_for_classification`` without the whitespace collapse.

    Spelled-out letters ("i g n o r e   a l l") mark word boundaries with wider gaps, so the spacing collapse
    needs the whitespace as written.
    """
    if text.isascii():  # fast path for most traffic: ASCII has no invisible, compatibility or look-alike chars
        return text
    text = text.translate(_REMOVE_INVISIBLE)
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii() and _HAS_CONFUSABLE.search(text):
        text = _fold_confusables(text)
    return text


def _fold_confusables(text: str) -> str:
    latin_context: bool | None = None  # computed lazily: most texts never need it

    def fold(match: re.Match[str]) -> str:
        nonlocal latin_context
        word = match.group()
        if _HAS_CONFUSABLE.search(word) is None or _OTHER_LETTER.search(word) is not None:
            return word
        if _LATIN_LETTER.search(word) is None:
            if latin_context is None:
                latin_context = len(_LATIN_LETTER.findall(text)) > len(_OTHER_LETTER.findall(text))
            if not latin_context:
                return word
        return word.translate(_FOLD_CONFUSABLES)

    return _WORD.sub(fold, text)


# --------------------------------------------------------------------------------------------------------------
# Cheap encodings: leetspeak, spaced-out letters, base64 / hex / rot13 payloads.
#
# These do not fold "render-equivalent" text (above) but text a human or an LLM reads back without effort.
# They are lossy and guess-based, so they never replace the original: ``classification_variants`` returns
# *extra* texts that the guard scans next to the original and takes the max of. A wrong guess then costs one
# more model pass, not a missed or invented label. Every scan below is a single regex pass or a linear loop
# with bounded work per match; nothing nests quantifiers over overlapping classes.
# --------------------------------------------------------------------------------------------------------------

# Frequent English words (function words first, then common verbs/nouns and the vocabulary of instructions
# to a model). Used as a cheap "is this English?" score for rot13 and to pick between leetspeak readings
# ("4ll" is "all", not "aii"). Written independently of any test set.
_COMMON_WORDS_TEXT: Final = """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    ask answer answers act acting always another anything around away back bad become best better big
    call came change character come content could create current data day decode delete different do done
    dont every example explain fact false file find first follow following follows forget free full get give
    given go going good great help hidden ignore image important include information instead instruction
    instructions keep kind know language last leave let life like line list little long look made make many
    may mean message mode model must name need never new next nothing number old one open order output part
    people person place play please point possible previous print prompt question real really reply request
    respond response right role rule rules run said say says secret see send should show simple since small
    something start state still stop story system take talk task tell text thing things think time today true
    two unless use user using want way well without word words work world write wrong yes yet
    above access account admin always assistant bypass code command commands confidential developer disregard
    enabled filter filters guidelines harmful jailbreak key override password policy pretend private
    restrictions reveal safety unfiltered unrestricted
    able already among area believe book business case child city company country family feel form game
    government group hand head home house idea keep law lot money month night off often own paper party
    power problem program public read reason result room school service side social stay student study
    sure team thank thanks though try turn understand water week while woman women man men year years
    """
COMMON_WORDS: Final = frozenset(_COMMON_WORDS_TEXT.split())

# --- leetspeak -------------------------------------------------------------------------------------------------

# Digits and symbols commonly standing for letters. "1" is ambiguous (i or l): both readings are tried against
# COMMON_WORDS. 2 and 6 are left out: rarely leet, common in product codes and versions ("b2b", "h264").
_LEET: Final[dict[str, str]] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s",
}  # fmt: skip
# Not "!", "|" or "+": a missing space after "!" and separators or maths ("a|b", "x+y") are too common.
_LEET_SYMBOLS: Final = "@$"
_LEET_TOKEN: Final = re.compile(r"[A-Za-z0-9@$]+")
_LEET_CHAR: Final = re.compile(r"[0-9@$]")
_LEET_HINT: Final = re.compile(r"[A-Za-z][0-9@$]|[0-9@$][A-Za-z]")
_NUMERONYM: Final = re.compile(r"[A-Za-z]\d{2,}[A-Za-z]")  # "a11y", "i18n", "l10n"
_CAMEL_BOUNDARY: Final = re.compile(r"[a-z0-9][A-Z]")  # "TCP4ClientEndpoint", "getUtf8Bytes": identifiers
_NUMBER_WITH_UNIT: Final = re.compile(r"\d+[A-Za-z]+|[A-Za-z]+\d+")  # "4th", "10am", "mp3", "win10"
_HEXISH: Final = re.compile(r"[0-9a-fA-F]{6,}")
_HEX_ID: Final = re.compile(r"[0-9a-fA-F]+(?:-[0-9a-fA-F]+)+")
_MAX_LEET_TOKEN: Final = 24  # longer mixed tokens are ids, hashes or base64, not words
_MAX_ONE_READINGS: Final = 3  # try both readings of at most this many "1"s (8 candidates)


def collapse_leetspeak(text: str) -> str:
    """Read leetspeak tokens as letters: ``1gn0r3 4ll pr3v10us`` -> ``ignore all previous``.

    Only tokens that mix letters with digits/symbols are touched, so numbers ("4111 1111", "2024") never are.
    Number-with-unit and version shapes ("4th", "10am", "mp3", "gpt4") and hex-looking ids are rewritten only
    when the reading is a common word ("th3" -> "the"), so ordinary text keeps them. A single rewritten token
    in a long text is more likely a product code than an evasion, so the text is only rewritten when at least
    two tokens collapse or the rewritten tokens are at least half its words.
    """
    if _LEET_CHAR.search(text) is None or _LEET_HINT.search(text) is None:
        return text
    words = 0
    changed = 0

    def fold(match: re.Match[str]) -> str:
        nonlocal words, changed
        words += 1
        token = match.group()
        if _in_identifier(text, match):
            return token
        reading = _leet_reading(token)
        if reading is None:
            return token
        changed += 1
        return reading

    folded = _LEET_TOKEN.sub(fold, text)
    if changed >= 2 or (changed and 2 * changed >= words):
        return folded
    return text


def _in_identifier(text: str, match: re.Match[str]) -> bool:
    """True for parts of e-mail addresses ("@" is not "a" there) and dash-separated hex ids (UUIDs)."""
    token = match.group()
    if "@" in token and text.startswith(".", match.end()):
        return True
    if not (text.startswith("-", match.end()) or text.endswith("-", 0, match.start())):
        return False
    start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
    end = len(text) if (space := text.find(" ", match.end())) < 0 else space
    return _HEX_ID.fullmatch(text[start:end].strip(".,;:!?()[]{}<>\"'")) is not None


def _leet_reading(token: str) -> str | None:
    """The letter reading of one token, or None when the token is not leetspeak."""
    core = token.strip(_LEET_SYMBOLS)  # edge symbols are not letters: "@user", "$5", "US$"
    if len(core) < 2 or len(core) > _MAX_LEET_TOKEN or core.isalpha() or not any(c.isalpha() for c in core):
        return None
    if "2" in core or "6" in core:
        return None
    candidates = _leet_candidates(core)
    # A common-word reading overrides the identifier checks only from three letters: "th3" is "the", but
    # "m3", "4s" and "1f" are units and codes far more often than "me", "as" and "if".
    known = next((c for c in candidates if len(c) > 2 and c.lower() in COMMON_WORDS), None)
    if known is None and _looks_like_identifier(core):
        return None
    start = len(token) - len(token.lstrip(_LEET_SYMBOLS))
    return token[:start] + (known or candidates[0]) + token[start + len(core) :]


def _looks_like_identifier(core: str) -> bool:
    """Mixed tokens that are names, numbers or ids rather than disguised words ("4th", "mp3", "4x400", "h1",
    "TCP4Client", "a3f9c2", "i18n"); they are only read as leetspeak when the reading is a common word."""
    letters = sum(1 for c in core if c.isalpha())
    return (
        letters < 2
        or _NUMBER_WITH_UNIT.fullmatch(core) is not None
        or _HEXISH.fullmatch(core) is not None
        or _CAMEL_BOUNDARY.search(core) is not None
        or _NUMERONYM.fullmatch(core) is not None
    )


def _leet_candidates(core: str) -> list[str]:
    """All readings of ``core``; the first reads every "1" as "i" (the usual default)."""
    base = "".join(_LEET.get(c, c) for c in core)
    ones = [i for i, c in enumerate(core) if c == "1"][:_MAX_ONE_READINGS]
    out = [base]
    for mask in range(1, 1 << len(ones)):
        chars = list(base)
        for bit, pos in enumerate(ones):
            if mask >> bit & 1:
                chars[pos] = "l"
        out.append("".join(chars))
    return out


# --- spaced-out letters ----------------------------------------------------------------------------------------

# One letter (or leet character) per whitespace-separated token, optionally followed by punctuation.
_UNIT: Final = re.compile(r"([^\W_]|[@$])([.,!?;:'\")\]]*)")
# Cheap pre-checks (a literal-ish pattern is several times faster than the exact one with lookarounds).
_SPACED_HINT: Final = re.compile(r"\s\S\s+\S\s")
_JOINED_HINT: Final = re.compile(r"[.\-_*·][^\W\d_][.\-_*·]")
# "i.g.n.o.r.e", "i-g-n-o-r-e", "i_g_n_o_r_e", "i*g*n*o*r*e" inside one token.
# Four letters or more: "a.k.a.", "c.o.d." and "U.S.A." are abbreviations, not disguised words.
_JOINED_LETTERS: Final = re.compile(r"(?<![\w.\-*·])[^\W\d_](?:[.\-_*·][^\W\d_]){3,}(?!\w)")
_LETTER_SEPARATORS: Final = re.compile(r"[.\-_*·]")
_MIN_SPACED: Final = 4  # "U S A" and "a b c" stay; four or more single letters in a row are a spelled word
_MAX_SEGMENT: Final = 2_000  # letters; longer uniform runs are joined without dictionary segmentation
_MAX_WORD: Final = 20
_UNKNOWN_LETTER: Final = 0.25  # segmentation cost of a letter outside any dictionary word


def collapse_spaced_letters(text: str) -> str:
    """Join letters spelled out one by one: ``i g n o r e   a l l`` -> ``ignore all``, ``i.g.n.o.r.e`` -> ``ignore``.

    Word boundaries are wider gaps (two or more spaces, a newline) or punctuation. A run with no boundary at
    all ("i g n o r e a l l") is split into common words by a small dictionary segmentation, so the classifier
    sees words rather than one 30-letter token. Runs of digits only ("1 2 3 4") are numbers, not words.
    """
    if _SPACED_HINT.search(f" {text} ") is not None:
        text = _collapse_spaced_runs(text)
    if _JOINED_HINT.search(text) is not None:
        text = _JOINED_LETTERS.sub(_join_letters, text)
    return text


def _join_letters(match: re.Match[str]) -> str:
    return " ".join(_segment(_LETTER_SEPARATORS.sub("", match.group())))


def _collapse_spaced_runs(text: str) -> str:
    """One pass over whitespace-separated tokens, collapsing each maximal run of single-letter tokens."""
    out: list[str] = []
    pos = 0
    run: list[re.Match[str]] = []
    for token in re.finditer(r"\S+", text):
        if _UNIT.fullmatch(token.group()) is not None and not (run and _breaks_run(text, run[-1], token)):
            run.append(token)
            continue
        pos = _flush_run(text, run, pos, out)
        run = [token] if _UNIT.fullmatch(token.group()) is not None else []
    pos = _flush_run(text, run, pos, out)
    out.append(text[pos:])
    return "".join(out)


def _breaks_run(text: str, prev: re.Match[str], token: re.Match[str]) -> bool:
    """A blank line ends a run (a new paragraph is not the same spelled-out sentence)."""
    return text.count("\n", prev.end(), token.start()) > 1


def _flush_run(text: str, run: list[re.Match[str]], pos: int, out: list[str]) -> int:
    """Append text up to the end of ``run`` (collapsed if it is a spelled-out word run); return the new pos."""
    letters = sum(1 for t in run if t.group()[0].isalpha())
    if len(run) < _MIN_SPACED or 2 * letters < len(run):
        return pos
    out.append(text[pos : run[0].start()])
    out.append(" ".join(_run_words(text, run)))
    return run[-1].end()


def _run_words(text: str, run: list[re.Match[str]]) -> list[str]:
    """Split a run into words at wide gaps, line breaks and punctuation; segment it if it has no boundary."""
    words: list[str] = []
    cur: list[str] = []
    bounded = False
    for i, token in enumerate(run):
        unit = _UNIT.fullmatch(token.group())
        if unit is None:  # cannot happen: runs are built from unit tokens
            continue
        cur.append(unit.group(1))
        gap = text[token.end() : run[i + 1].start()] if i + 1 < len(run) else ""
        if unit.group(2) or len(gap) > 1 or "\n" in gap or i + 1 == len(run):
            bounded = bounded or i + 1 < len(run)
            words.append("".join(cur) + unit.group(2))
            cur = []
    if not bounded:
        return _segment(words[0])
    return words


def _segment(letters: str) -> list[str]:
    """Split a boundary-less letter string into common words (dynamic programme, O(n * _MAX_WORD)).

    Each piece costs 1 and each letter outside a dictionary word a little more, with consecutive unknown
    letters forming one piece: an out-of-dictionary word ("jailbroken") comes out whole instead of shredded
    around the short words hidden in it. Strings over _MAX_SEGMENT letters are returned unsplit.
    """
    n = len(letters)
    if n > _MAX_SEGMENT or n < 2 * _MIN_SPACED:
        return [letters]
    back, last = _segmentation(letters.lower())
    pieces: list[tuple[str, int]] = []
    state, end = last, n
    while end > 0:
        start, prev = back[state][end]
        pieces.append((letters[start:end], state))
        state, end = prev, start
    pieces.reverse()
    words: list[str] = []
    for i, (piece, kind) in enumerate(pieces):
        if kind == 1 and i and pieces[i - 1][1] == 1:
            words[-1] += piece  # consecutive unknown letters are one unknown run
        else:
            words.append(piece)
    return words


def _segmentation(lower: str) -> tuple[list[list[tuple[int, int]]], int]:
    """Back-pointers of the segmentation DP and the state of its cheapest end.

    State 0 ends in a dictionary word, state 1 in an unknown run; ``back[state][end]`` is (start, prev state).
    """
    n = len(lower)
    inf = float("inf")
    best = [[0.0] + [inf] * n, [inf] * (n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (n + 1), [(0, 0)] * (n + 1)]
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD), end):
            if lower[start:end] in COMMON_WORDS:
                prev = 0 if best[0][start] <= best[1][start] else 1
                if best[prev][start] + 1 < best[0][end]:
                    best[0][end], back[0][end] = best[prev][start] + 1, (start, prev)
        extend = best[1][end - 1] + _UNKNOWN_LETTER
        begin = best[0][end - 1] + 1 + _UNKNOWN_LETTER
        best[1][end], back[1][end] = (extend, (end - 1, 1)) if extend <= begin else (begin, (end - 1, 0))
    return back, (0 if best[0][n] <= best[1][n] else 1)


# --- encoded payloads ------------------------------------------------------------------------------------------


class Payload(NamedTuple):
    """An encoded stretch of the (normalized) text and what it decodes to."""

    start: int
    end: int
    kind: str  # "base64" | "hex" | "rot13"
    decoded: str


# Runs are maximal (the lookbehinds forbid starting inside one), so each is scanned a bounded number of times.
_BASE64: Final = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX_ESCAPES: Final = re.compile(r"(?:\\x[0-9a-fA-F]{2}){8,}")
_HEX_PAIRS: Final = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{2}(?:[ \t,:;]+(?:0x)?[0-9a-fA-F]{2}){7,}")
_HEX_RUN: Final = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{2}){8,}(?![0-9A-Za-z])")
_HEX_PATTERNS: Final = (
    (re.compile(r"\\x"), _HEX_ESCAPES),
    (re.compile(r"[0-9a-fA-F]{2}[ \t,:;]+(?:0x)?[0-9a-fA-F]{2}[ \t,:;]+(?:0x)?[0-9a-fA-F]{2}"), _HEX_PAIRS),
    (re.compile(r"[0-9a-fA-F]{16}"), _HEX_RUN),
)  # (pre-check, exact pattern)
_HEX_DIGITS: Final = re.compile(r"[0-9a-fA-F]{2}")
_HEX_LETTER: Final = re.compile(r"[a-fA-F]")
_URLSAFE: Final = str.maketrans("-_", "+/")
# A rot13 candidate: letter words inside one sentence (sentence punctuation and digits end it).
_SENTENCE: Final = re.compile(r"[A-Za-z]+(?:[ \t,'\"()\-]{1,3}[A-Za-z]+)*")
_ASCII_WORD: Final = re.compile(r"[A-Za-z]+")
_ROT13: Final = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm"
)
# Words whose rot13 is a common word ("gur" -> "the"): fewer than three anywhere means no rot13 sentence.
_ROT13_WORDS: Final = frozenset(w.translate(_ROT13) for w in COMMON_WORDS if len(w) > 1) - COMMON_WORDS
_MIN_ROT13_HITS: Final = 3
_MIN_ROT13_SHARE: Final = 0.35
# A text that names the cipher ("decode this rot13: ...") needs far less evidence for the sentences in it.
_ROT13_MENTION: Final = re.compile(r"rot[ _-]?13|caesar", re.I)
_MIN_DECODED: Final = 8  # characters; shorter decodings carry no instruction worth a second scan
_TEXT_SAMPLE: Final = 4_096  # characters of a decoding judged for "reads like text"


def decoded_payloads(text: str, max_payloads: int = 4, max_len: int = 20_000) -> list[str]:
    """Decoded base64 / hex / rot13 payloads hidden in ``text`` (at most ``max_payloads``, each ≤ ``max_len``).

    Runs on the Unicode-normalized text so zero-width characters or fullwidth digits cannot break a payload
    apart. A candidate counts only if it decodes to mostly printable text (UUIDs, hashes and random ids decode
    to binary noise and are dropped), so ordinary traffic yields an empty list.
    """
    found = find_payloads(normalize_for_classification(text))
    return [p.decoded[:max_len] for p in found[:max_payloads]]


def find_payloads(text: str) -> list[Payload]:
    """All decodable payloads in ``text``, in order and non-overlapping (first detector wins a clash).

    Every detector is one linear regex pass plus a linear decode per candidate, and decoded text is never
    longer than its encoding, so the whole scan is O(len(text)). Payloads are decoded whole: capping the
    encoded length would let an attacker hide the instruction behind a long harmless prefix.
    """
    found = [*_base64_payloads(text), *_hex_payloads(text), *_rot13_payloads(text)]
    found.sort(key=lambda p: (p.start, -p.end))
    out: list[Payload] = []
    for p in found:
        if not out or p.start >= out[-1].end:
            out.append(p)
    return out


def _base64_payloads(text: str) -> list[Payload]:
    out = []
    for m in _BASE64.finditer(text):
        decoded = _decode_base64(m.group())
        if decoded is not None:
            out.append(Payload(m.start(), m.end(), "base64", decoded))
    return out


def _decode_base64(run: str) -> str | None:
    body = run.rstrip("=")
    if ("-" in body or "_" in body) and ("+" in body or "/" in body):
        return None  # mixes the standard and the URL-safe alphabet: an identifier, not base64
    body = body.translate(_URLSAFE)
    if len(body) % 4 == 1:
        return None
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _as_text(raw)


def _hex_payloads(text: str) -> list[Payload]:
    out = []
    for hint, pattern in _HEX_PATTERNS:
        if hint.search(text) is None:
            continue
        for m in pattern.finditer(text):
            run = m.group() if pattern is _HEX_ESCAPES else _trim_hex(text, m)
            if pattern is not _HEX_ESCAPES and _HEX_LETTER.search(run.replace("0x", "")) is None:
                continue  # digits only: card numbers, phone numbers, dates
            digits = "".join(_HEX_DIGITS.findall(run.replace("\\x", " ").replace("0x", " ")))
            decoded = _as_text(bytes.fromhex(digits))
            if decoded is not None:
                out.append(Payload(m.start(), m.start() + len(run), "hex", decoded))
    return out


def _trim_hex(text: str, match: re.Match[str]) -> str:
    """Drop a last "pair" glued to a following word ("... 2e Add method": "Ad" is not a byte)."""
    run = match.group()
    if match.end() < len(text) and text[match.end()].isalnum():
        cut = max(run.rfind(sep) for sep in " \t,:;")
        run = run[:cut].rstrip(" \t,:;") if cut > 0 else run
    return run


def _as_text(raw: bytes) -> str | None:
    """``raw`` as text if it reads like text: UTF-8, printable, and at least half letters.

    Invalid bytes are replaced rather than rejecting the payload, so one junk byte appended to an encoded
    instruction cannot hide it; they count as unprintable instead. The ratios are judged on a prefix so a
    megabyte payload costs no more than a short one to vet.
    """
    decoded = raw.decode("utf-8", errors="replace")
    sample = decoded[:_TEXT_SAMPLE]
    if len(sample) < _MIN_DECODED:
        return None
    printable = sum(1 for c in sample if (c.isprintable() and c != "\ufffd") or c in "\t\n\r")
    letters = sum(1 for c in sample if c.isalpha())
    visible = len(sample) - sum(1 for c in sample if c.isspace())
    if printable < 0.95 * len(sample) or letters < 0.5 * visible:
        return None
    return decoded


def _rot13_payloads(text: str) -> list[Payload]:
    """Sentences (or their longest stretch) whose rot13 reads as English far better than they do."""
    words = _ASCII_WORD.findall(text.lower())
    if _ROT13_WORDS.isdisjoint(words):
        return []  # the usual case, settled in C
    min_hits = 1 if _ROT13_MENTION.search(text) else _MIN_ROT13_HITS
    if sum(1 for w in words if w in _ROT13_WORDS) < min_hits:
        return []
    out = []
    for m in _SENTENCE.finditer(text):
        span = _rot13_stretch(m, min_hits)
        if span is not None:
            start, end = span
            out.append(Payload(start, end, "rot13", text[start:end].translate(_ROT13)))
    return out


def _rot13_stretch(sentence: re.Match[str], min_hits: int) -> tuple[int, int] | None:
    """The stretch of ``sentence`` that rot13 turns into English, or None.

    Each word scores +1 if only its rot13 is a common word, -1 if only the word itself is, 0 otherwise; the
    best-scoring contiguous stretch is widened over neutral words at its edges (rot13 of a rare word is rare
    too). It must hold ``min_hits`` rot13 hits (three, or one when the text names rot13 itself), make up
    _MIN_ROT13_SHARE of its words (function words alone are ~40% of English) and include a hit of three letters
    or more: two-letter hits are often abbreviations ("vs" is rot13 of "if", "GB" of "to").
    """
    words = list(_ASCII_WORD.finditer(sentence.group()))
    if len(words) < min_hits:
        return None
    scores = [_rot13_score(w.group().lower()) for w in words]
    best, lo, hi = _best_stretch(scores)
    hits = [words[i].group() for i in range(lo, hi + 1) if scores[i] > 0]
    if best < min_hits or len(hits) < _MIN_ROT13_SHARE * (hi - lo + 1) or all(len(h) < 3 for h in hits):
        return None
    while lo > 0 and scores[lo - 1] == 0:
        lo -= 1
    while hi + 1 < len(words) and scores[hi + 1] == 0:
        hi += 1
    return sentence.start() + words[lo].start(), sentence.start() + words[hi].end()


def _best_stretch(scores: list[int]) -> tuple[int, int, int]:
    """(sum, first, last) of the maximum-sum contiguous stretch (Kadane); sum 0 means none is positive."""
    best, best_lo, best_hi, run, run_lo = 0, 0, -1, 0, 0
    for i, score in enumerate(scores):
        if run <= 0:
            run, run_lo = 0, i
        run += score
        if run > best:
            best, best_lo, best_hi = run, run_lo, i
    return best, best_lo, best_hi


def _rot13_score(word: str) -> int:
    if len(word) < 2:
        return 0  # "n"/"v" are rot13 of "a"/"i": single letters (spelled-out text) say nothing
    plain = word in COMMON_WORDS
    rotated = word.translate(_ROT13) in COMMON_WORDS
    return int(rotated) - int(plain)


# --- variants for the classifier -------------------------------------------------------------------------------


_NON_LETTER: Final = re.compile(r"[\W\d_]+")
# Super/subscripts, ordinal indicators ("3ª") and number forms ("½"): folded to their NFKC digits/letters in the
# key, so a variant that only rewrites them does not count as different.
_NUMERIC_FORMS: Final = "\u00aa\u00b2\u00b3\u00b9\u00ba\u00bc\u00bd\u00be" + "".join(
    map(chr, [*range(0x2070, 0x20A0), *range(0x2150, 0x2190)])
)
_FOLD_NUMERIC_FORMS: Final = {ord(c): unicodedata.normalize("NFKC", c) for c in _NUMERIC_FORMS}
VARIANT_CONTEXT: Final = 400  # chars of unchanged text kept around a variant's changed stretch (~100 tokens)


class Variant(NamedTuple):
    """An extra text to classify next to the original; ``kind`` says which evasion it undoes."""

    kind: str  # "normalized" | "base64" | "hex" | "rot13"
    text: str


def deobfuscate(text: str) -> str:
    """Every text-level normalization: Unicode folding, spelled-out letters, whitespace, then leetspeak.

    Spacing goes before the whitespace collapse (it reads word gaps) and before leetspeak, so "1 g n 0 r 3" is
    first joined into one token and then read as "ignore".
    """
    return collapse_leetspeak(" ".join(collapse_spaced_letters(fold_unicode(text)).split()))


def labelled_variants(text: str) -> list[Variant]:
    """The distinct extra texts worth classifying for ``text``, each tagged with its kind; usually empty.

    A variant is kept only if the model would see something different: texts that differ from the original
    just in case, whitespace or invisible characters are dropped (the tokenizer lowercases and strips those
    itself), so ordinary traffic costs a few regex scans and no extra model pass. Payloads are decoded in
    place rather than scanned alone, so an encoded instruction is still read inside its document.
    """
    folded = fold_unicode(text)
    base = " ".join(folded.split())  # == normalize_for_classification(text)
    plain = " ".join(text.split())
    seen: set[str] = set()
    out: list[Variant] = []

    def add(kind: str, candidate: str) -> None:
        if candidate == plain:
            return  # the common case, decided without building a key
        if not seen:
            seen.add(_model_key(text))
        key = _model_key(candidate)
        if key and key not in seen:
            seen.add(key)
            out.append(Variant(kind, _crop_to_change(plain, candidate)))

    add("normalized", deobfuscate(folded))
    payloads = find_payloads(base)
    for kind in ("base64", "hex", "rot13"):
        chosen = [p for p in payloads if p.kind == kind]
        if chosen:
            add(kind, deobfuscate(_substitute(base, chosen)))
    return out


def classification_variants(text: str) -> list[str]:
    """The distinct extra texts to scan next to ``text`` (normalized form, decoded payloads); usually empty."""
    return [v.text for v in labelled_variants(text)]


def _substitute(text: str, payloads: list[Payload]) -> str:
    parts: list[str] = []
    pos = 0
    for p in payloads:
        parts += [text[pos : p.start], p.decoded]
        pos = p.end
    parts.append(text[pos:])
    return "".join(parts)


def _crop_to_change(plain: str, variant: str) -> str:
    """``variant`` cut down to the stretch that differs from ``plain`` plus VARIANT_CONTEXT chars each side.

    A long document with one obfuscated sentence (or one "…" that NFKC rewrites) would otherwise cost a second
    full scan; the unchanged rest was already scored in the original. The context keeps an injected sentence
    inside a document-like window, which is how the model saw such attacks in training.
    """
    if len(variant) <= 2 * VARIANT_CONTEXT:
        return variant
    head = _common_prefix_len(plain, variant)
    tail = _common_prefix_len(plain[head:][::-1], variant[head:][::-1])
    start = variant.rfind(" ", 0, max(0, head - VARIANT_CONTEXT)) + 1
    stop = variant.find(" ", min(len(variant), len(variant) - tail + VARIANT_CONTEXT))
    return variant[start : stop if stop >= 0 else len(variant)]


def _common_prefix_len(a: str, b: str) -> int:
    """Length of the common prefix, by binary search over slice comparisons (C speed, O(n log n))."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _model_key(text: str) -> str:
    """What decides the safety scores, roughly: the letters, without case, invisible characters, digits or
    punctuation.

    The uncased tokenizer drops invisible characters and case itself, and a variant that only rewrites digits
    or punctuation ("km²" -> "km2", "…" -> "...", CJK "，" -> ",") changes no word, so it is not worth a model
    pass. Every evasion undone here changes letters (leetspeak turns digits *into* letters).
    """
    folded = text.translate(_REMOVE_INVISIBLE)
    if not folded.isascii():
        folded = folded.translate(_FOLD_NUMERIC_FORMS)
    return " ".join(_NON_LETTER.sub(" ", folded.casefold()).split())
