"""Related papers for each paper page, computed at build time from the loaded catalog.

Shared lineage counts first (one paper builds on the other; then papers that build on the same
work or are built upon by the same paper), then shared tags (Jaccard overlap) and the
similarity of what the records say (TF-IDF over name, title, summary and tags: the index that
``awm discover`` ranks candidates with). Nothing is downloaded and no model is run.

The scores are matrices computed a block of rows at a time (sparse products for lineage and
tags), so 10,000 papers need no 10,000 x 10,000 matrix in memory; reasons in words are
written only for the papers kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from catalog.discover import CatalogIndex
from catalog.model import Catalog

RELATED = 6          # papers listed per page
DIRECT, SIBLING, TAGS = 1.0, 0.5, 0.3  # weights: lineage outranks tags and text
MIN_SCORE = 0.05     # below this a paper is not shown as related at all
SIMILAR = 0.15       # text similarity worth naming as a reason beside lineage or tags
BLOCK = 512          # rows scored at once


@dataclass(frozen=True)
class Related:
    key: str
    score: float
    reasons: tuple[str, ...]  # why, in words: "it builds on this paper", "shared tags: ..."


def _incidence(rows: list[list[int]], columns: int) -> sparse.csr_matrix:
    data = [(i, j) for i, cols in enumerate(rows) for j in cols]
    r, c = zip(*data) if data else ((), ())
    return sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), columns))


def related_papers(catalog: Catalog, n: int = RELATED) -> dict[str, list[Related]]:
    if len(catalog.papers) < 2:
        return {k: [] for k in catalog.papers}
    index = CatalogIndex(catalog)
    papers = index.papers
    at = {p.key: i for i, p in enumerate(papers)}
    size = len(papers)
    parents = [sorted({at[k] for k in p.builds_on if k in at and k != p.key}) for p in papers]
    up = _incidence(parents, size)                  # up[a, b] = 1: a builds on b
    direct = ((up + up.T) > 0).astype(float)
    sibling = (((up @ up.T) + (up.T @ up)) > 0).astype(float)  # a shared parent or child
    vocabulary = sorted({t for p in papers for t in p.tags})
    tag_at = {t: i for i, t in enumerate(vocabulary)}
    tags = _incidence([sorted({tag_at[t] for t in p.tags}) for p in papers], len(vocabulary))
    tag_count = np.asarray(tags.sum(axis=1)).ravel()
    children: dict[str, set[str]] = {p.key: set() for p in papers}
    for p, ups in zip(papers, parents):
        for b in ups:
            children[papers[b].key].add(p.key)
    out: dict[str, list[Related]] = {}
    for start in range(0, size, BLOCK):
        rows = slice(start, min(start + BLOCK, size))
        text = index.similarities(rows)
        shared = (tags[rows] @ tags.T).toarray()
        union = tag_count[rows, None] + tag_count[None, :] - shared
        jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        d, s = direct[rows].toarray(), sibling[rows].toarray()
        score = DIRECT * d + SIBLING * s * (d == 0) + TAGS * jaccard + text
        for offset, row in enumerate(score):
            a = start + offset
            row[a] = -np.inf
            top = np.argpartition(-row, n)[:n] if size > n + 1 else np.arange(size)
            top = sorted(top, key=lambda b: (-row[b], papers[b].key))
            keep = [b for b in top
                    if row[b] >= MIN_SCORE and (d[offset, b] or s[offset, b] or shared[offset, b]
                                                or text[offset, b] > 0)]
            out[papers[a].key] = [Related(papers[b].key, round(float(row[b]), 4),
                                          _reasons(catalog, children, papers[a], papers[b],
                                                   float(text[offset, b])))
                                  for b in keep]
    return out


def _reasons(catalog: Catalog, children: dict[str, set[str]], a, b, similarity: float
             ) -> tuple[str, ...]:
    reasons = (["this paper builds on it"] if b.key in a.builds_on else []) + (
        ["it builds on this paper"] if a.key in b.builds_on else [])
    if not reasons:
        common = sorted({k for k in set(a.builds_on) & set(b.builds_on) if k in catalog.papers} |
                        (children[a.key] & children[b.key]))
        if common:
            names = ", ".join(catalog.papers[k].name for k in common[:3])
            reasons.append(f"shares lineage with it: {names}")
    tags = sorted(set(a.tags) & set(b.tags))
    if tags:
        reasons.append("shared tags: " + ", ".join(tags))
    if similarity >= SIMILAR or (similarity > 0 and not reasons):
        reasons.append("similar title and summary")
    return tuple(reasons)
