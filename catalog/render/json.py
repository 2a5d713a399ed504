"""catalog.json: the whole catalog for programs (the site's paper map reads it).

Its shape is documented, field by field, in catalog/catalog.schema.json; a test validates the
generated file against it. Sorted keys and lists, no timestamps: the same catalog gives the
same bytes.
"""
from __future__ import annotations

import json
from collections import defaultdict

from pydantic import TypeAdapter

from ..compare import comparisons, streaming_rows
from ..model import Catalog, Paper
from .readme import reproduction_summary

SCHEMA_VERSION = 2  # 2: results, compute and open on papers; the benchmarks vocabulary
_PAPERS = TypeAdapter(list[Paper])  # one call dumps every record (much faster than one each)


def catalog_data(catalog: Catalog) -> dict:
    built_upon_by: dict[str, list[str]] = defaultdict(list)
    edges = []
    papers_by_key = sorted(catalog.papers.items())
    for key, paper in papers_by_key:  # in key order, so each list comes out sorted
        for target in sorted(set(paper.builds_on)):
            if target in catalog.papers:
                built_upon_by[target].append(key)
                edges.append({"from": key, "to": target})
    papers = []
    dumped = _PAPERS.dump_python([paper for _, paper in papers_by_key], mode="json")
    for (key, paper), record in zip(papers_by_key, dumped):
        record.update(arxiv_url=paper.arxiv_url, year=paper.year, area=paper.area,
                      built_upon_by=built_upon_by.get(key, []),
                      reproduced=key in catalog.reproductions)
        papers.append(record)
    counts: dict[str, int] = defaultdict(int)
    for paper in catalog.papers.values():
        counts[paper.section] += 1
    taxonomy = {
        "areas": [{"id": a["id"], "title": a["title"], "about": " ".join(a["about"].split()),
                   "sections": [{"id": s.id, "title": s.title, "about": s.about,
                                 "papers": counts.get(s.id, 0)} for s in a["sections"]]}
                  for a in catalog.taxonomy.areas],
        "tags": [{"id": t, "about": about} for t, about in sorted(catalog.taxonomy.tags.items())],
    }
    reproductions = [
        {"paper": key, "folder": str(card.get("folder", "")), "card": str(card.get("path", "")),
         "results": reproduction_summary(card)}
        for key, card in sorted(catalog.reproductions.items()) if key in catalog.papers]
    used: dict[str, int] = defaultdict(int)
    for paper in catalog.papers.values():
        for result in paper.results:
            used[result.benchmark] += 1
    benchmarks = [dict(bench.model_dump(mode="json"), results=used.get(key, 0))
                  for key, bench in sorted(catalog.benchmarks.items())]
    return {
        "schema_version": SCHEMA_VERSION,
        "benchmarks": benchmarks,
        "comparisons": [
            {"benchmark": c.benchmark.key,
             "groups": [{"setting": g.setting, "recorded": g.recorded, "comparable": g.comparable,
                         "entries": [{"paper": e.paper.key, "value": e.result.value,
                                      "note": e.result.setting.note, "source": e.result.source}
                                     for e in g.entries]}
                        for g in c.groups]}
            for c in comparisons(catalog)],
        "streaming": [row.as_dict() for row in streaming_rows(catalog)],
        "counts": {"papers": len(papers), "with_code": sum(1 for p in papers if p["links"]["code"]),
                   "with_reproduction": len(reproductions), "edges": len(edges)},
        "taxonomy": taxonomy,
        "papers": papers,
        "edges": edges,
        "reproductions": reproductions,
    }


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def render_json(catalog: Catalog) -> str:
    """Top-level fields one per line and each list item on its own line: diffs stay readable
    (one changed paper, one changed line) and the fast C encoder does the work."""
    data = catalog_data(catalog)
    fields = []
    for name in sorted(data):
        value = data[name]
        if isinstance(value, list) and value:
            value_text = "[\n  " + ",\n  ".join(map(_dumps, value)) + "\n ]"
        else:
            value_text = _dumps(value)
        fields.append(f" {_dumps(name)}: {value_text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"
