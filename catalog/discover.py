"""`awm discover`: new arXiv papers, ranked by how close they are to the catalog.

The queries live in ``catalog/discover.yaml``, beside the taxonomy. A run asks arXiv for each
query within a date window, merges the answers, drops what the catalog already has (same arXiv
id, same normalised title), and ranks the rest by TF-IDF cosine similarity to the catalog's own
records (their names, titles, summaries and tags; the candidates' titles and abstracts). The
score of a candidate is the mean similarity to its ``NEIGHBOURS`` nearest records; its section
is the one those records vote for, weighted by similarity, and the winning share of the vote is
the guess's confidence. ``CatalogIndex`` is shared with the markdown importer, which guesses
sections the same way. Nothing is downloaded but the arXiv answers: no model, no data set.

``--write N`` drafts records for the top N, each with a ``draft:`` field that the loader refuses
(see ``catalog.loader.DRAFT_FIELD``) until a person has checked it and deleted that line.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .importers import dump_record, propose_name, slug, unique_key
from .importers.arxiv import ArxivPaper, ArxivUnavailable, make_client, search
from .loader import load_catalog
from .model import Catalog, Paper, normalise_title
from .render.files import write_atomic
from .render.readme import md_escape

CONFIG = Path(__file__).resolve().parent / "discover.yaml"
NEIGHBOURS = 3  # records a score averages over
VOTERS = 5  # records that vote for a section


class DiscoverConfig(BaseModel):
    """``catalog/discover.yaml``: unknown keys refused, like every file of the catalog."""

    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(default=7, ge=1, le=366)
    max_results: int = Field(default=200, ge=1, le=2000)
    categories: list[str] = Field(default_factory=list)
    queries: list[str] = Field(min_length=1)
    min_score: float = Field(default=0.05, ge=0, le=1)
    section_confidence: float = Field(default=0.5, ge=0, le=1)

    def full_queries(self) -> list[str]:
        """Each query restricted to the categories (arXiv ORs them)."""
        if not self.categories:
            return list(self.queries)
        cats = " OR ".join(f"cat:{c}" for c in self.categories)
        return [f"({q}) AND ({cats})" for q in self.queries]


def load_config(path: Path = CONFIG) -> DiscoverConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return DiscoverConfig.model_validate(data)


# ---------------------------------------------------------------- similarity to the catalog

def record_text(paper: Paper) -> str:
    """What a catalog record says about itself, as one text."""
    return " ".join([paper.name, paper.title, paper.summary or "",
                     " ".join(t.replace("-", " ") for t in paper.tags)])


@dataclass(frozen=True)
class Guess:
    """How close a text is to the catalog: its score, its nearest records (key, similarity),
    and the section they vote for with the share of the vote it won."""

    score: float
    nearest: list[tuple[str, float]]
    section: str | None
    confidence: float

    def needs_section(self, threshold: float) -> bool:
        return self.section is None or self.confidence < threshold


class CatalogIndex:
    """TF-IDF vectors of the catalog's records, fitted on the records alone (so a batch of
    candidates does not shift each other's scores)."""

    def __init__(self, catalog: Catalog):
        # scikit-learn takes seconds to import: only the commands that rank pay for it
        from sklearn.feature_extraction.text import TfidfVectorizer
        self.papers = list(catalog.papers.values())
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True,
                                          ngram_range=(1, 2), strip_accents="unicode")
        self.matrix = self.vectorizer.fit_transform([record_text(p) for p in self.papers]) \
            if self.papers else None

    def similarities(self, rows: slice = slice(None)):
        """Record against record: cosine similarity of their TF-IDF vectors, for the records
        in ``rows`` against all (in ``self.papers`` order; 1 on the diagonal)."""
        from sklearn.metrics.pairwise import linear_kernel
        return linear_kernel(self.matrix[rows], self.matrix)

    def guess(self, texts: list[str]) -> list[Guess]:
        if self.matrix is None or not texts:
            return [Guess(0.0, [], None, 0.0) for _ in texts]
        from sklearn.metrics.pairwise import linear_kernel
        similarity = linear_kernel(self.vectorizer.transform(texts), self.matrix)
        guesses = []
        for row in similarity:
            order = sorted(range(len(row)), key=lambda i: (-row[i], self.papers[i].key))
            nearest = [(self.papers[i].key, float(row[i])) for i in order[:NEIGHBOURS]]
            score = sum(s for _, s in nearest) / len(nearest)
            votes: dict[str, float] = {}
            for i in order[:VOTERS]:
                if row[i] > 0:
                    votes[self.papers[i].section] = votes.get(self.papers[i].section, 0) + row[i]
            total = sum(votes.values())
            section = max(sorted(votes), key=votes.__getitem__) if votes else None
            confidence = votes[section] / total if section else 0.0
            guesses.append(Guess(round(score, 4), [(k, s) for k, s in nearest if s > 0],
                                 section, round(confidence, 2)))
        return guesses


# ---------------------------------------------------------------- a run

@dataclass
class Candidate:
    paper: ArxivPaper
    guess: Guess


@dataclass
class Outcome:
    """What a run found, and what it set aside on the way (for the summary line)."""

    ranked: list[Candidate] = field(default_factory=list)  # best first
    found: int = 0
    known: list[tuple[ArxivPaper, str]] = field(default_factory=list)  # (paper, catalog key)
    filtered: int = 0
    below: int = 0


def _keyword_hit(text: str, keywords: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(k.lower())}(?!\w)", text) for k in keywords)


def discover(catalog: Catalog, config: DiscoverConfig, first: dt.date, last: dt.date,
             client=None, include: list[str] = (), exclude: list[str] = (),
             min_score: float | None = None) -> Outcome:
    """Ask arXiv, drop what the catalog has, filter by keywords, rank. Raises
    ``ArxivUnavailable`` (one line) when any query fails: a partial answer is no answer."""
    client = client or make_client()
    papers: dict[str, ArxivPaper] = {}
    for query in config.full_queries():
        for paper in search(query, first, last, config.max_results, client):
            papers.setdefault(paper.arxiv, paper)
    out = Outcome(found=len(papers))
    by_id = {p.arxiv: p.key for p in catalog.papers.values() if p.arxiv}
    by_title = {normalise_title(p.title): p.key for p in catalog.papers.values()}
    fresh = []
    for paper in sorted(papers.values(), key=lambda p: p.arxiv):
        known = by_id.get(paper.arxiv) or by_title.get(normalise_title(paper.title))
        if known:
            out.known.append((paper, known))
            continue
        text = f"{paper.title} {paper.abstract}".lower()
        if (include and not _keyword_hit(text, include)) or _keyword_hit(text, exclude):
            out.filtered += 1
            continue
        fresh.append(paper)
    threshold = config.min_score if min_score is None else min_score
    index = CatalogIndex(catalog)
    for paper, guess in zip(fresh, index.guess([f"{p.title} {p.abstract}" for p in fresh])):
        if guess.score < threshold:
            out.below += 1
        else:
            out.ranked.append(Candidate(paper, guess))
    out.ranked.sort(key=lambda c: (-c.guess.score, c.paper.arxiv))
    return out


def table(ranked: list[Candidate], confidence: float) -> str:
    """The ranked candidates as a Markdown table (every text from arXiv escaped)."""
    lines = ["| # | score | arXiv | title | section (confidence) | nearest in the catalog |",
             "|---:|---:|---|---|---|---|"]
    for rank, c in enumerate(ranked, 1):
        g = c.guess
        section = f"{g.section} ({g.confidence:.2f})" if g.section else "none"
        if g.needs_section(confidence):
            section += ", needs a section"
        nearest = ", ".join(f"{key} ({s:.2f})" for key, s in g.nearest) or "none"
        lines.append(f"| {rank} | {g.score:.3f} | [{c.paper.arxiv}](https://arxiv.org/abs/"
                     f"{c.paper.arxiv}) | {md_escape(c.paper.title)} | {section} | {nearest} |")
    return "\n".join(lines) + "\n"


def draft(candidate: Candidate, taken: set[str], confidence: float) -> dict:
    """A draft record for a candidate, marked as one: the ``draft`` field says what a person
    must still do, and the loader refuses the record while the field is there."""
    paper, g = candidate.paper, candidate.guess
    name = propose_name(paper.title)
    todo = "check every field against the paper, add links, tags and builds_on"
    if g.needs_section(confidence):
        todo = f"needs a section (guessed from the nearest records, confidence {g.confidence:.2f}); " \
            + todo
    return {"draft": f"found by awm discover: {todo}, then delete this line",
            "key": unique_key(slug(name, max_words=5), taken), "name": name,
            "title": paper.title, "authors": paper.authors, "date": paper.date,
            "arxiv": paper.arxiv, "links": {}, "section": g.section or "", "tags": [],
            "builds_on": []}


# ---------------------------------------------------------------- the command

def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (write YYYY-MM-DD)") from None


def _window(args, config: DiscoverConfig, today: dt.date) -> tuple[dt.date, dt.date]:
    last = _date(args.to) if args.to else today
    first = _date(args.since) if args.since else last - dt.timedelta(
        days=(args.days or config.window_days) - 1)
    if first > last:
        raise ValueError(f"the window starts ({first}) after it ends ({last})")
    return first, last


def main(args, client=None, today: dt.date | None = None) -> int:
    """Print the ranked table; with --write N, draft the top N into papers/ (or --out)."""
    root = Path(args.root)
    say = lambda message: print(f"awm discover: {message}", file=sys.stderr)  # noqa: E731
    try:
        config = load_config(Path(args.config) if args.config else root / "catalog" /
                             "discover.yaml")
        first, last = _window(args, config, today or dt.date.today())
    except (OSError, yaml.YAMLError, ValidationError, ValueError) as err:
        say(f"error: {' '.join(str(err).split())[:300]}")
        return 2
    if args.write is not None and args.write < 0:
        say("error: --write takes a number of drafts, 0 or more")
        return 2
    catalog = load_catalog(root)
    try:
        out = discover(catalog, config, first, last, client, args.include or [],
                       args.exclude or [], args.min_score)
    except ArxivUnavailable as err:
        say(f"{err}; nothing written (try again later)")
        return 1
    text = table(out.ranked[:args.limit] if args.limit else out.ranked, config.section_confidence)
    print(text, end="")
    if args.table:
        write_atomic(Path(args.table), text)
    say(f"{first}..{last}: {out.found} found on arXiv, {len(out.known)} already in the catalog, "
        f"{out.filtered} left out by keywords, {out.below} below score "
        f"{config.min_score if args.min_score is None else args.min_score}, "
        f"{len(out.ranked)} ranked")
    if not args.write:
        return 0
    folder = Path(args.out) if args.out else root / "papers"
    folder.mkdir(parents=True, exist_ok=True)
    taken = set(catalog.papers) | {p.stem for p in folder.glob("*.yaml")}
    for candidate in out.ranked[:args.write]:
        record = draft(candidate, taken, config.section_confidence)
        taken.add(record["key"])
        target = folder / f"{record['key']}.yaml"
        write_atomic(target, dump_record(record))
        print(f"wrote {target}: draft of arXiv {candidate.paper.arxiv}", file=sys.stderr)
    return 0
