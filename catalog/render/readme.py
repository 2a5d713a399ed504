"""README.md: the hand-written template (templates/README.md.j2) around the generated list.

Everything that comes from a record is escaped for Markdown on its way out: the Jinja
environment's ``finalize`` escapes every ``{{ value }}`` unless the value is ``Trusted`` (only
the ``url`` filter makes one, and only from an https URL). A title holding ``<script>``,
``](`` or ``|`` therefore renders as those characters.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2

from ..compare import streaming_rows
from ..model import Catalog, Paper
from .bibtex import render_bibtex_with_lines

TEMPLATES = Path(__file__).parent / "templates"
UPSTREAM = "https://github.com/gracezhao1997/Awesome-Video-World-Models-with-AR-Diffusion"
# Headings the template writes itself, in order, before the generated ones (for unique anchors).
FIXED_HEADINGS = ["Quick start", "Overview", "Contents"]
SCALES = ("smoke", "full")  # result records shown in the README, in this order

# Markup characters that both CommonMark (GitHub) and Python-Markdown (MkDocs) backslash-escape,
# and entities for those only CommonMark escapes (HTML, tables, mentions, strikethrough).
_MD_BACKSLASH = re.compile(r"([\\`*_{}\[\]()#+!])")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "|": "&#124;", "@": "&#64;", "~": "&#126;"}
_MD_ENTITY_RE = re.compile("[" + re.escape("".join(_MD_ENTITY)) + "]")
_AUTOLINK = re.compile(r"(?<=[a-z0-9]):(?=//)|(?<=www)\.", re.IGNORECASE)  # bare URLs in text
_HTTPS = re.compile(r"https://[^/?#\s]+", re.IGNORECASE)
_URL_PLAIN = re.compile(r"[A-Za-z0-9:/?#@!$&'*+,;=%~._-]+")  # what quote() below leaves as is


class Trusted(str):
    """Text that is already safe Markdown (built here, not taken from a record)."""


def md_escape(text: object) -> str:
    """Record text as inline Markdown that renders literally: one line, every character that
    could open markup (links, emphasis, HTML, tables, mentions) backslash-escaped, and URLs in
    the text broken so GitHub does not turn them into links."""
    text = _MD_BACKSLASH.sub(r"\\\1", " ".join(str(text).split()))
    text = _MD_ENTITY_RE.sub(lambda m: _MD_ENTITY[m.group()], text)  # after: entities hold '#'
    return _AUTOLINK.sub(lambda m: "&#58;" if m.group() == ":" else "&#46;", text)


def safe_url(url: str | None) -> Trusted | None:
    """An https URL made safe inside ``[...](...)``, or None for anything else."""
    if not url or not _HTTPS.match(url):
        return None
    if _URL_PLAIN.fullmatch(url):  # the common case: nothing to encode
        return Trusted(url)
    return Trusted(quote(url, safe=":/?#@!$&'*+,;=%~").replace("(", "%28").replace(")", "%29"))


def github_slug(text: str, seen: dict[str, int]) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens,
    ``-1``, ``-2`` ... for repeats (``seen`` counts them across the document)."""
    slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return f"{slug}-{count}" if count else slug


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        finalize=lambda v: v if isinstance(v, Trusted) else md_escape(v))
    env.filters["url"] = lambda u: safe_url(u) or Trusted("")
    return env


def claim_verdicts(card: dict) -> dict[str, str]:
    """Each claim's verdict at its scale, where a record of that scale exists. Smoke claims are
    judged on three seeds: their verdict is the one the card records, which ``awm repro check``
    (run by CI) holds equal to the card's rule over the committed seed records. A full-scale
    claim, run once, has its record's verdict."""
    results = card.get("results") or {}
    out = {}
    for claim in card.get("claims") or []:
        if not isinstance(claim, dict) or not isinstance(claim.get("id"), str):
            continue
        scale, record = claim.get("scale"), results.get(str(claim.get("scale")))
        if not isinstance(record, dict):
            continue
        if scale == "smoke":
            out[claim["id"]] = str(claim.get("expected", "holds"))
            continue
        judged = {c.get("id"): c.get("verdict") for c in record.get("claims") or []
                  if isinstance(c, dict)}
        out[claim["id"]] = str(judged.get(claim["id"], "not run"))
    return out


def reproduction_summary(card: dict) -> list[dict]:
    """Per scale with a record: claims holding / claims at that scale (see ``claim_verdicts``)."""
    verdicts = claim_verdicts(card)
    scale_of = {c.get("id"): c.get("scale") for c in card.get("claims") or []
                if isinstance(c, dict)}
    out = []
    for scale in SCALES:
        judged = [v for cid, v in verdicts.items() if scale_of.get(cid) == scale]
        if judged:
            out.append({"scale": scale, "holding": judged.count("holds"), "total": len(judged)})
    return out


_ARXIV, _PROJECT, _CODE, _WEIGHTS = map(Trusted, ("arXiv", "project", "code", "weights"))


def _entry(paper: Paper, bib_span: tuple[int, int], card: dict | None) -> dict:
    badges = [(_ARXIV, paper.arxiv_url), (_PROJECT, paper.links.project),
              (_CODE, paper.links.code), (_WEIGHTS, paper.links.weights)]
    folder = str(card.get("folder", "")) if card else ""
    return {
        "paper": paper,
        "venue": paper.venue or (f"arXiv {paper.year}" if paper.arxiv else str(paper.year)),
        "stop": "" if paper.title[-1] in ".!?" else ".",
        "badges": [(label, safe) for label, url in badges if (safe := safe_url(url))],
        "bib": Trusted(f"papers.bib#L{bib_span[0]}-L{bib_span[1]}"),
        "reproduction": reproduction_summary(card) if card is not None else None,
        "reproduction_link": Trusted(f"reproductions/{folder}/")
        if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", folder) else None,
    }


STREAMING_HEADING = "Real-time streaming at a glance"  # after Overview, when any paper has a speed


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def streaming_view(catalog: Catalog) -> list[dict]:
    """The README's compact streaming table: one row per paper that reports a speed."""
    out = []
    for row in streaming_rows(catalog):
        quality = row.quality
        vbench = _number(quality.value) if quality else ""
        if row.quality_status == "other":
            vbench += f" (not comparable: {quality.setting.label(note=False)})"
        elif row.quality_status == "unrecorded":
            vbench += " (setting not recorded)"
        base = catalog.papers[row.base_key].name if row.base_key else row.base_model or ""
        out.append({"name": row.paper.name, "fps": _number(row.fps),
                    "hardware": row.fps_hardware or row.latency_hardware or "",
                    "resolution": row.fps_resolution or "", "latency": _number(row.latency),
                    "vbench": vbench, "parameters": _number(row.parameters_b), "base": base,
                    "weights": safe_url(row.weights)})
    return out


def readme_context(catalog: Catalog, bib_spans: dict[str, tuple[int, int]]) -> dict:
    """What the template needs: areas -> sections -> entries, counts, anchors."""
    seen: dict[str, int] = {}
    for heading in FIXED_HEADINGS:
        github_slug(heading, seen)
    streaming = streaming_view(catalog)
    streaming_anchor = Trusted(github_slug(STREAMING_HEADING, seen)) if streaming else None
    by_section: dict[str, list[Paper]] = {sid: [] for sid in catalog.taxonomy.sections}
    for paper in catalog.papers.values():
        by_section.setdefault(paper.section, []).append(paper)
    reproduced = {k: c for k, c in catalog.reproductions.items() if k in catalog.papers}
    areas = []
    for area in catalog.taxonomy.areas:
        sections = []
        area_anchor = github_slug(area["title"], seen)
        for sec in area["sections"]:
            papers = sorted(by_section[sec.id], key=lambda p: (p.date, p.key))
            sections.append({"title": sec.title, "about": sec.about,
                             "anchor": Trusted(github_slug(sec.title, seen)),
                             "entries": [_entry(p, bib_spans[p.key], reproduced.get(p.key))
                                         for p in papers]})
        areas.append({"title": area["title"], "about": area["about"],
                      "anchor": Trusted(area_anchor), "sections": sections,
                      "count": sum(len(s["entries"]) for s in sections)})
    return {
        "areas": areas,
        "total": len(catalog.papers),
        "with_code": sum(1 for p in catalog.papers.values() if p.links.code),
        "with_reproduction": len(reproduced),
        "upstream": UPSTREAM,
        "streaming": streaming, "streaming_anchor": streaming_anchor,
        "streaming_heading": STREAMING_HEADING,
    }


def render_readme(catalog: Catalog, bib_spans: dict[str, tuple[int, int]] | None = None) -> str:
    if bib_spans is None:
        bib_spans = render_bibtex_with_lines(catalog)[1]
    return _environment().get_template("README.md.j2").render(readme_context(catalog, bib_spans))
