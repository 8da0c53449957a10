"""Near-duplicate clustering by word 5-gram containment (union-find over an inverted shingle index).

Jailbreak collections copy each other heavily; splitting before clustering would leak near-identical
prompts into the test split and overstate recall.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from guardstream.classifiers.training.data.common import normalize


def shingles(text: str, n: int = 5) -> frozenset[str]:
    words = normalize(text).split()
    if len(words) < n:
        return frozenset({" ".join(words)})
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def cluster(texts: list[str], threshold: float = 0.8, max_posting: int = 200) -> list[int]:
    """Cluster id per text; two texts join when |A∩B| / min(|A|,|B|) ≥ threshold.

    Shingles shared by more than ``max_posting`` texts are boilerplate and skipped as candidates only;
    the containment itself is still computed on the full sets.
    """
    sh = [shingles(t) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sh):
        for g in s:
            index[g].append(i)
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, s in enumerate(sh):
        counts: Counter[int] = Counter()
        for g in s:
            post = index[g]
            if len(post) > max_posting:
                continue
            counts.update(j for j in post if j > i)
        for j, c in counts.items():
            if c / max(1, min(len(s), len(sh[j]))) >= threshold:
                a, b = find(i), find(j)
                if a != b:
                    parent[b] = a
    return [find(i) for i in range(len(texts))]
