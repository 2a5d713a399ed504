"""Site pages as a pure function of the loaded catalog: ``render_pages`` -> {path: text}.

Paths are relative to the docs dir (``site/``). Everything lands under ``generated/`` except
the home page, ``index.md``, which MkDocs needs at the root, and the Atom feed, ``feed.xml``.
Templates are Markdown with Jinja2; every ``{{ }}`` passes through ``text.md_text`` unless a
helper of ``text`` made it safe.
"""
from __future__ import annotations

import html
import json
import math
import re
import uuid
from pathlib import Path
from urllib.parse import urlencode

import jinja2
import yaml
from markupsafe import Markup

from catalog.model import Catalog, Paper
from catalog.render.bibtex import render_entry
from catalog.render.json import catalog_data, render_json
from catalog.render.readme import claim_verdicts, reproduction_summary

from . import curves, lineage, maplayout, text
from .related import Related, related_papers
from .stats import stats_view
from .compare import compare_pages, paper_knowledge

GEN = "generated"
NEWEST = 10  # papers listed on the home page
FEED_SIZE = 30  # papers in the Atom feed
SITE_TITLE = "Video world models with AR diffusion"
# The search index's word separator (mkdocs.yml's plugins: search: separator, which a test
# pins to this): spaces, hyphens, punctuation and '+', so "Self Forcing++:" gives the words
# self and forcing, never a rarer "forcing++:" that a search for "forcing" also matches.
SEARCH_SEPARATOR = r'[\s\-,:;!?=\[\]()"`/+]+|\.(?!\d)|&[lg]t;'
PAPER_BOOST = 4  # a paper's own page outranks pages that mention it (reproductions, sections)
UPSTREAM = "https://github.com/gracezhao1997/Awesome-Video-World-Models-with-AR-Diffusion"
_SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(png|jpg|jpeg|gif|webp)")
_SECTION_ID = re.compile(r"[a-z0-9-]+/[a-z0-9-]+")
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's when present: 10x faster


def _environment(html: bool = False) -> jinja2.Environment:
    """Markdown templates escape with md_text (applied by finalize); HTML templates (*.html.j2)
    with Jinja2's own autoescape."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("catalog.site", "templates"),
        autoescape=html, finalize=None if html else text.md_text,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(link=text.page_link, image=text.image, breakable=text.breakable)
    return env


# ---- paths between pages -----------------------------------------------------------------------

def section_page(section_id: str) -> str | None:
    """generated/<area>/<section>.md, or None for a section id that is not well formed."""
    return f"{GEN}/{section_id}.md" if _SECTION_ID.fullmatch(section_id) else None


def paper_page(key: str) -> str:
    return f"{GEN}/papers/{text.paper_path(key)}"


def relative(from_page: str, to_page: str) -> str:
    """The link from one docs page to another (both relative to the docs dir, no '..').
    Plain list work: posixpath.relpath asks the OS for the current folder on every call."""
    here, there = from_page.split("/")[:-1], to_page.split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


def built_url(from_page: str, to_page: str) -> str:
    """The same link as the built site has it, for raw HTML (which MkDocs leaves alone):
    page.md becomes page.html, since mkdocs.yml sets use_directory_urls to false."""
    return re.sub(r"\.md(?=$|[?#])", ".html", relative(from_page, to_page))


# ---- view models -------------------------------------------------------------------------------

def _has_repro(catalog: Catalog, key: str) -> bool:
    return key in catalog.reproductions


def counts(catalog: Catalog) -> dict:
    """The numbers on the home page (the browser test recomputes them from the catalog)."""
    papers = list(catalog.papers.values())
    per_section = {sid: len(catalog.in_section(sid)) for sid in catalog.taxonomy.sections}
    return {
        "papers": len(papers),
        "with_code": sum(1 for p in papers if p.links.code),
        "with_reproduction": sum(1 for p in papers if _has_repro(catalog, p.key)),
        "per_area": {a["id"]: sum(per_section[s.id] for s in a["sections"])
                     for a in catalog.taxonomy.areas},
        "per_section": per_section,
    }


def newest(catalog: Catalog, n: int = NEWEST) -> list[Paper]:
    return sorted(catalog.papers.values(), key=lambda p: (p.date, p.key), reverse=True)[:n]


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, https URL) for every link of the paper, arXiv first; unsafe URLs dropped."""
    labels = {"project": "Project page", "code": "Code", "weights": "Weights", "other": "Link"}
    pairs = [("arXiv", paper.arxiv_url)] + [(labels[name], url) for name, url in paper.links.all()]
    return [(label, url) for label, url in pairs if text.safe_url(url)]


def _links_inline(paper: Paper) -> Markup:
    return Markup(" · ".join(text.page_link(label, url) for label, url in paper_links(paper)))


def paper_view(catalog: Catalog, paper: Paper, page: str, built_upon_by: list[str],
               related: list[Related] = (), repo_url: str | None = None,
               graph: tuple[dict, dict, dict] | None = None) -> dict:
    """What a paper page shows, with every link already the built URL (for the HTML template:
    autoescape makes the text safe, and only https URLs and record keys become links).
    ``graph``: lineage_graph(catalog), computed once by the caller for all pages."""
    sec = catalog.taxonomy.sections.get(paper.section)
    sec_page = section_page(sec.id) if sec else None
    links = [(label, text.safe_url(url)) for label, url in paper_links(paper)]
    if paper.arxiv:
        links.insert(1, ("PDF", f"https://arxiv.org/pdf/{paper.arxiv}"))

    def named(keys):
        return [(catalog.papers[k].name, built_url(page, paper_page(k))) if k in catalog.papers
                else (k, None) for k in keys]
    return {"paper": paper, "bibtex": render_entry(paper),
            "section_title": sec.title if sec else paper.section,
            "section_url": built_url(page, sec_page) if sec_page else None,
            "links": links,
            "related": [{"name": catalog.papers[r.key].name,
                         "title": _title_after_name(catalog.papers[r.key]),
                         "url": built_url(page, paper_page(r.key)), "reasons": r.reasons}
                        for r in related if r.key in catalog.papers],
            "record": record_links(paper, repo_url),
            "map_url": built_url(page, "map.md") + f"?paper={paper.key}",
            "builds_on": named(paper.builds_on),
            "built_upon_by": named(built_upon_by),
            "lin": lineage_picture(catalog, paper.key, page, graph or lineage_graph(catalog)),
            "knowledge": paper_knowledge(catalog, paper, page)}


def lineage_graph(catalog: Catalog) -> tuple[dict, dict, dict]:
    """(parents_of, children_of, section colours): every key -> the catalog keys it builds on
    / that build on it, each list in date order (oldest first, ties by key) without repeats
    (edges to papers outside the catalog dropped), and section_colours(catalog)."""
    def when(k):
        return catalog.papers[k].date, k
    parents = {k: sorted({b for b in p.builds_on if b in catalog.papers and b != k}, key=when)
               for k, p in catalog.papers.items()}
    children: dict[str, list[str]] = {k: [] for k in catalog.papers}
    for k in sorted(parents, key=when):
        for b in parents[k]:
            children[b].append(k)
    return parents, children, section_colours(catalog)


def map_view(data: dict) -> dict:
    """The paper map's layouts (maplayout.map_data) from catalog_data's papers, edges and
    taxonomy: the same data the map draws."""
    papers = [{"key": p["key"], "name": p["name"], "section": p["section"], "date": p["date"]}
              for p in data["papers"]]
    return maplayout.map_data(papers, [(e["from"], e["to"]) for e in data["edges"]],
                              data["taxonomy"]["areas"])


def section_colours(catalog: Catalog) -> dict[str, str]:
    """The paper map's section colours (lineage.SECTION_PALETTE, by taxonomy order, then any
    section the taxonomy does not list in the order of the first paper in it, as map.js)."""
    ids = list(catalog.taxonomy.sections)
    for key in sorted(catalog.papers):
        if catalog.papers[key].section not in ids:
            ids.append(catalog.papers[key].section)
    return lineage.section_colours(ids)


def lineage_picture(catalog: Catalog, key: str, page: str, graph: tuple[dict, dict, dict]
                    ) -> dict | None:
    """The lineage picture's view (lineage.lineage_view), or None when the paper is in no
    lineage edge."""
    parents_of, children_of, colours = graph
    hood = lineage.neighbourhood(key, parents_of, children_of)
    if hood.empty:
        return None
    keys = [hood.key] + hood.parents + hood.children + hood.grandparents + hood.grandchildren
    secs = catalog.taxonomy.sections
    info = {k: {"name": catalog.papers[k].name, "section": catalog.papers[k].section,
                "section_title": (f"{secs[catalog.papers[k].section].area_title} / "
                                  f"{secs[catalog.papers[k].section].title}")
                if catalog.papers[k].section in secs else catalog.papers[k].section}
            for k in keys}
    return lineage.lineage_view(hood, info, lambda k: built_url(page, paper_page(k)),
                                built_url(page, "map.md") + f"?paper={key}", colours)


def _title_after_name(paper: Paper) -> str:
    """The title without the name when it begins with it ("Self Forcing: Bridging..." ->
    "Bridging..."), for lists that show the name already."""
    if paper.title.startswith(paper.name):
        rest = paper.title[len(paper.name):].lstrip(" :-–—")
        return rest or paper.title
    return paper.title


def record_links(paper: Paper, repo_url: str | None) -> dict:
    """Where to edit the paper's record and report an error in it, on the repository's host;
    empty without a repository (a local build)."""
    base = text.safe_url(repo_url.rstrip("/")) if repo_url else None
    if not base:
        return {}
    path = f"papers/{text.paper_path(paper.key)[:-3]}.yaml"
    query = urlencode({"title": f"{path}: ", "body": (
        f"What is wrong in the record of {paper.name} ({path}), and the source that says so:\n")})
    return {"path": path, "edit": f"{base}/edit/main/{path}", "source": f"{base}/blob/main/{path}",
            "report": f"{base}/issues/new?{query}"}


def search_boost(paper: Paper, built_upon_by: int) -> float:
    """The search weight of a paper's page. Material's search scores a word in a title the same
    however long the title is, so "Self Forcing" would tie with "Self Forcing++": a shorter
    name weighs more (as length normalisation would do), and among equals a paper that more
    catalog papers build on weighs a little more."""
    words = len([w for w in re.split(SEARCH_SEPARATOR, paper.name) if w])
    return round(PAPER_BOOST / (1 + 0.1 * max(words - 1, 0))
                 * (1 + 0.05 * math.log2(1 + built_upon_by)), 3)


def _row(catalog: Catalog, page: str, paper: Paper) -> dict:
    return {"paper": paper,
            "name": text.page_link(paper.name, relative(page, paper_page(paper.key))),
            "links": _links_inline(paper),
            "repro": "yes" if _has_repro(catalog, paper.key) else ""}


def front_matter(**fields) -> Markup:
    """YAML front matter; values are HTML-escaped because the theme prints them as HTML."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (bool, int, float)):
            return v
        return [clean(x) for x in v] if isinstance(v, list) else text.plain_html(v)
    body = yaml.dump({k: clean(v) for k, v in fields.items() if v not in (None, [])},
                     Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000)
    return Markup(f"---\n{body}---\n")


_SCALE_ORDER = {"smoke": 0, "full": 1}


def record_label(tag: str, record: dict) -> str:
    """A result record in words: "Seed 0" (a smoke record), "Full scale, seed 0", or its tag."""
    seed, scale = record.get("seed"), record.get("scale")
    has_seed = isinstance(seed, int) and not isinstance(seed, bool)
    if scale == "smoke" and has_seed:
        return f"Seed {seed}"
    if scale == "full":
        return f"Full scale, seed {seed}" if has_seed else "Full scale"
    return tag


def protocol_words(value) -> str:
    """A protocol setting as text: lists joined with commas, mappings as "name: value" parts
    separated by semicolons, numbers as ``fmt`` writes them."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {protocol_words(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        nested = any(isinstance(v, (list, tuple, dict)) for v in value)
        return ("; " if nested else ", ").join(protocol_words(v) for v in value)
    return fmt(value)


def _seed_rule(card: dict) -> tuple[list, int]:
    """The card's smoke seeds and how many of them a smoke claim must hold on."""
    seeds = card.get("seeds") if isinstance(card.get("seeds"), dict) else {}
    smoke = seeds.get("smoke") if isinstance(seeds.get("smoke"), list) else [0, 1, 2]
    holds_on = seeds.get("holds_on")
    if not isinstance(holds_on, int) or isinstance(holds_on, bool):
        holds_on = (len(smoke) // 2) + 1
    return smoke, holds_on


def _claim_block(claim: dict, results: list[dict], verdict: str | None, rule: tuple) -> dict:
    """One claim with one row per record that judged it, and the verdict by the rule."""
    seeds, holds_on = rule
    rows, names = [], []
    for res in results:
        judged = next((c for c in res["claims"] if c.get("id") == claim["id"]), None)
        if judged is None:
            continue
        measured = judged["measured"] if isinstance(judged["measured"], dict) else {}
        names += [n for n in measured if n not in names]
        rows.append({"label": res["label"], "res": res, "verdict": str(judged["verdict"]),
                     "measured": measured})
    for row in rows:
        row["cells"] = [fmt(row["measured"][n]) if n in row["measured"] else "not measured"
                         for n in names]
    smoke = [r for r in rows if r["res"]["record"].get("scale") == "smoke"
             and r["res"]["record"].get("seed") in seeds]
    if claim.get("scale") == "smoke" and smoke:
        held = sum(1 for r in smoke if r["verdict"] == "holds")
        seeds_word = "seed" if len(smoke) == 1 else "seeds"
        rule_line = (f"holds on {held} of {len(smoke)} {seeds_word}; a smoke claim holds when "
                     f"it holds on {holds_on} of its {len(seeds)} seeds")
    elif rows:
        rule_line = "judged on the " + ("full-scale record" if claim.get("scale") == "full"
                                        else "record of its scale")
    else:
        rule_line = "it needs a " + ("full-scale record" if claim.get("scale") == "full"
                                     else f"{claim.get('scale') or 'result'} record")
    return {"claim": claim, "rows": rows, "names": names, "verdict": verdict,
            "rule": rule_line}


def reproduction_view(catalog: Catalog, card: dict, page: str) -> dict:
    """What the reproduction index and pages show of one card and its result records."""
    paper = catalog.papers.get(card.get("paper", ""))
    card = {"title": card.get("paper", ""), "reproduced": [], "not_reproduced": [],
            "reported": [], **card}
    card["claims"] = [{"id": "", "statement": "", "source": "", "scale": "", "comparison": "",
                       "metric": "", "threshold": "", **c}
                      for c in card.get("claims") or [] if isinstance(c, dict)]
    card["reported"] = [{"what": "", "value": "", "source": "", **r}
                        for r in card["reported"] or [] if isinstance(r, dict)]
    folder = card.get("folder", "")
    safe_folder = bool(re.fullmatch(r"[a-z0-9_-]+", str(folder)))
    results = []
    for tag, record in (card.get("results") or {}).items():
        if not isinstance(record, dict):
            continue
        record = {k: "" for k in ("scale", "device", "seed", "wall_time_s", "commit", "created")
                  } | record
        claims = [{"verdict": "", "measured": {}} | c for c in record.get("claims") or []
                  if isinstance(c, dict)]
        label = record_label(str(tag), record)
        rows = (record.get("protocol") or {}).get("rows") \
            if isinstance(record.get("protocol"), dict) else None
        figures = [{"file": f, "src": f"{folder}/{f}", **curves.figure_words(f, str(tag), label,
                                                                            rows)}
                   for f in record.get("figures") or []
                   if isinstance(f, str) and _SAFE_FILE.fullmatch(f) and safe_folder]
        gate = record.get("gate") if isinstance(record.get("gate"), dict) else {}
        slug = re.sub(r"[^a-z0-9]+", "-", str(tag).lower()).strip("-") or "record"
        results.append({
            "tag": tag, "record": record, "label": label, "claims": claims,
            "figures": [f["file"] for f in figures], "pictures": figures,
            "device": curves.threads(record.get("device")),
            "gate": ("passed" if gate.get("passed") else "failed") if "passed" in gate else "",
            "held": sum(1 for c in claims if c.get("verdict") == "holds"),
            "metrics": sorted((k, v) for k, v in (record.get("metrics") or {}).items()
                              if isinstance(v, (int, float))),
            "protocol": sorted((record.get("protocol") or {}).items())
            if isinstance(record.get("protocol"), dict) else [],
            "charts": curves.record_charts(record.get("curves") if isinstance(
                record.get("curves"), dict) else {}, label, slug)})
    results.sort(key=lambda r: (_SCALE_ORDER.get(r["record"].get("scale"), 2),
                                r["record"]["seed"] if isinstance(r["record"]["seed"], int)
                                else 1 << 30, str(r["tag"])))
    verdict = claim_verdicts(card)
    rule = _seed_rule(card)
    # The record summarised first: full scale when present, else smoke, else any.
    best = min(results, key=lambda r: ({"full": 0, "smoke": 1}.get(r["tag"], 2), r["tag"]),
               default=None)
    metric_names = sorted({k for r in results for k, _ in r["metrics"]})
    protocol_names = sorted({k for r in results for k, _ in r["protocol"]}, key=str)
    protocol = []
    for name in protocol_names:
        per = [(r["label"], protocol_words(dict(r["protocol"])[name])) for r in results
               if name in dict(r["protocol"])]
        same = len({v for _, v in per}) == 1 and len(per) == len(results)
        protocol.append((name, per[0][1] if same else "; ".join(f"{lab}: {v}" for lab, v in per)))
    by_scale: dict[str, list] = {}
    for r in results:
        by_scale.setdefault(str(r["record"].get("scale") or r["tag"]), []).append(r)
    records_words = "; ".join(
        f"{scale}: " + (f"seed{'s' if len(rs) > 1 else ''} "
                        + ", ".join(str(r["record"].get("seed")) for r in rs)
                        if all(r["record"].get("seed") != "" for r in rs) else
                        ", ".join(str(r["tag"]) for r in rs))
        for scale, rs in by_scale.items())
    return {"card": card, "folder": folder, "paper": paper, "results": results,
            "verdict": verdict,
            "claims": [_claim_block(c, results, verdict.get(c["id"]), rule)
                       for c in card["claims"]],
            "metric_rows": [(name, [fmt(dict(r["metrics"])[name]) if name in dict(r["metrics"])
                                    else "" for r in results]) for name in metric_names],
            "protocol": protocol, "records_words": records_words,
            "charted": any(r["charts"] for r in results),
            "pictured": any(r["pictures"] for r in results),
            "held": reproduction_summary(card), "best": best, "summary": _summary_metrics(best),
            "best_device": best["device"] if best else "",
            "paper_link": text.page_link(paper.name, relative(page, paper_page(paper.key)))
            if paper else text.md_text(card.get("paper")),
            "page": f"{GEN}/reproductions/{folder}.md" if safe_folder else None}


def _summary_metrics(result: dict | None) -> list[tuple[str, object]]:
    """Parameters, speed and the harness's quality/physics figures, for the index table."""
    if not result:
        return []
    wanted = re.compile(r"param|fps|frames_per|latency|psnr|ssim|valid|traj|frechet|fd\b")
    return [(k, v) for k, v in result["metrics"] if wanted.search(k)][:8]


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# ---- Markdown taken from the repository (CONTRIBUTING.md, reproduction READMEs) ---------------

_MD_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def rehome_links(markdown: str, source: str, repo_url: str | None) -> str:
    """Relative links of a repository Markdown file point at files that are not site pages:
    send them to the repository on GitHub (or drop the link, keeping its text)."""
    base = source.rsplit("/", 1)[0] + "/" if "/" in source else ""

    def fix(m: re.Match) -> str:
        bang, label, target = m.groups()
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return m.group(0)
        if bang or not repo_url:
            return label
        path = re.sub(r"[^/]+/\.\./", "", base + target.lstrip("./"))
        return f"[{label}]({repo_url.rstrip('/')}/blob/main/{path})"
    return _MD_LINK.sub(fix, markdown)


# ---- the pages ---------------------------------------------------------------------------------

def render_pages(catalog: Catalog, contributing: str | None = None,
                 readmes: dict[str, str] | None = None, repo_url: str | None = None
                 ) -> dict[str, str]:
    """Every generated page and data file, keyed by path relative to the docs dir.

    ``contributing``: the text of CONTRIBUTING.md; ``readmes``: reproduction folder -> README
    text (read by the caller: this function reads no files)."""
    env = _environment()
    tax = catalog.taxonomy
    pages: dict[str, str] = {}

    html_env = _environment(html=True)
    chart_html, figure_html = (html_env.get_template(f"repro_{t}.html.j2")
                               for t in ("chart", "figure"))

    def render(path: str, template: str, **ctx) -> None:
        pages[path] = env.get_template(template).render(
            page=path, rel=relative, fmt=fmt,
            chart=lambda c: Markup(chart_html.render(c=c).strip()),
            picture=lambda f: Markup(figure_html.render(f=f, src=f["src"]).strip()), **ctx)

    c = counts(catalog)
    render("index.md", "home.md.j2", counts=c, taxonomy=tax, upstream=UPSTREAM,
           newest=[_row(catalog, "index.md", p) for p in newest(catalog)],
           section_page=section_page)
    for area in tax.areas:
        area_page = f"{GEN}/{area['id']}/index.md"
        render(area_page, "area.md.j2", area=area, counts=c, section_page=section_page)
        for sec in area["sections"]:
            page = section_page(sec.id)
            render(page, "section.md.j2", section=sec,
                   rows=[_row(catalog, page, p) for p in catalog.in_section(sec.id)])
    data = catalog_data(catalog)  # also has the reverse lineage, computed once for all papers
    upon = {p["key"]: p["built_upon_by"] for p in data["papers"]}
    paper_html = html_env.get_template("paper.html.j2")
    related = related_papers(catalog)
    graph = lineage_graph(catalog)
    for key, paper in catalog.papers.items():
        page = paper_page(key)
        card = catalog.reproductions.get(key)
        body = paper_html.render(paper_view(catalog, paper, page, upon[key], related[key],
                                            repo_url, graph), repro=bool(card))
        body = markdown_headings(body)
        render(page, "paper.md.j2", front=front_matter(title=paper.name, tags=list(paper.tags),
                                            search={"boost": search_boost(paper, len(upon[key]))}),
               body=Markup(body), repro=reproduction_view(catalog, card, page) if card else None)
    render(f"{GEN}/tags.md", "tags.md.j2", tags=sorted(tax.tags.items()))
    view = stats_view(catalog)
    render(f"{GEN}/stats.md", "stats.md.j2", view=view, **{
        f"chart_{kind}": Markup(html_env.get_template("stats.html.j2").render(
            kind=kind, month=view["month"], data=view.get(kind), papers=view["papers"],
            caption=caption))
        for kind, caption in (("month", ""),
                              ("sections", "Papers per section of the taxonomy."),
                              ("has", "Papers with each kind of artefact, of all papers."))})
    pages["feed.xml"] = render_feed(catalog, html_env)
    views = [reproduction_view(catalog, card, f"{GEN}/reproductions/index.md")
             for _, card in sorted(catalog.reproductions.items())]
    views = [v for v in views if v["page"]]
    render(f"{GEN}/reproductions/index.md", "reproductions.md.j2", views=views)
    for view in views:
        readme = (readmes or {}).get(view["folder"])
        render(view["page"], "reproduction.md.j2", view=reproduction_view(
            catalog, view["card"], view["page"]),
            readme=Markup(rehome_links(_demote_headings(readme), f"reproductions/{view['folder']}/"
                                       "README.md", repo_url)) if readme else None)
    render(f"{GEN}/contributing.md", "contributing.md.j2",
           body=Markup(rehome_links(contributing, "CONTRIBUTING.md", repo_url))
           if contributing else None)
    pages.update(compare_pages(catalog, _environment(html=True), front_matter))
    # catalog.json as `awm build` writes it, for programs; the map reads the same data from a
    # script, not with fetch(), so that it also works from file:// with no server.
    pages[f"{GEN}/catalog.json"] = render_json(catalog)
    pages[f"{GEN}/catalog-data.js"] = "window.AWM_CATALOG = " + json.dumps(
        data, sort_keys=True, ensure_ascii=True) + ";\n" + (
        # the map's section colours, from the one list the paper pages' lineage pictures use
        "window.AWM_SECTION_PALETTE = " + json.dumps(list(lineage.SECTION_PALETTE)) + ";\n"
        # the map's two layouts, computed here so that the page runs no layout of its own
        "window.AWM_MAP = " + json.dumps(map_view(data), sort_keys=True, ensure_ascii=True)
        + ";\n")
    # each paper's entry of papers.bib, for the BibTeX export of the All papers page
    pages[f"{GEN}/bibtex-data.js"] = "window.AWM_BIBTEX = " + json.dumps(
        {key: render_entry(paper) for key, paper in sorted(catalog.papers.items())},
        sort_keys=True, ensure_ascii=True) + ";\n"
    return pages


def render_feed(catalog: Catalog, env: jinja2.Environment, n: int = FEED_SIZE) -> str:
    """The Atom feed of the ``n`` newest papers. A month has no day: an entry is dated the
    first of its month, and the feed by its newest entry, so the same catalog gives the same
    bytes."""
    def stamp(date: str) -> str:
        return f"{date}-01T00:00:00Z"
    entries = [{"paper": p, "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'awm:' + p.key)}",
                "updated": stamp(p.date), "arxiv": text.safe_url(p.arxiv_url),
                "heading": p.title if p.title.startswith(p.name) else f"{p.name}: {p.title}"}
               for p in newest(catalog, n)]
    return env.get_template("feed.xml.j2").render(
        site_title=SITE_TITLE, entries=entries,
        feed_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'awm:feed')}",
        updated=entries[0]["updated"] if entries else "1970-01-01T00:00:00Z")


_HTML_H2 = re.compile(r'^<h2 id="[a-z-]+">([^<>]+)</h2>$', re.M)


def markdown_headings(html_text: str) -> str:
    """The section headings of a rendered HTML page (``<h2 id=..>Fixed text</h2>`` lines of
    the templates) as Markdown headings between the raw HTML blocks, so that the table of
    contents lists every section and permalinks them (the toc extension sees no raw HTML)."""
    return _HTML_H2.sub(lambda m: f"\n## {text.md_text(html.unescape(m.group(1)))}\n\n",
                        html_text)


def _demote_headings(markdown: str) -> str:
    """A README's headings sit under the page's own title."""
    return re.sub(r"(?m)^(#{1,5}) ", r"#\1 ", markdown)


def copy_plan(catalog: Catalog, root: Path) -> list[tuple[Path, str]]:
    """Files to copy into the docs dir beside the pages: (source, docs-relative destination).
    The JSON schema of catalog.json (linked beside it as the API's description), and rollout
    pictures named in result records, with plain file names."""
    plan = [(root / "catalog" / "catalog.schema.json", f"{GEN}/catalog.schema.json")]
    for card in catalog.reproductions.values():
        view = reproduction_view(catalog, card, "")
        for res in view["results"]:
            for fig in res["figures"]:
                src = root / "reproductions" / view["folder"] / "results" / fig
                if view["page"] and src.is_file() and not src.is_symlink():
                    plan.append((src, f"{GEN}/reproductions/{view['folder']}/{fig}"))
    return plan
