"""The comparison pages (one per benchmark with numbers, one for real-time streaming, an index)
and the results/compute/open part of each paper page.

Everything comes from ``catalog.compare`` (the same grouping and ranking as catalog.json and the
README). The pages are HTML templates with Jinja2 autoescape inside a Markdown page, like the
paper pages: record text is escaped, only https URLs and record keys become links. Sorting and
filtering is done in the browser by site/assets/js/compare.js, from the data-* attributes
written here; without JavaScript the tables still read, in their ranked order.
"""
from __future__ import annotations


from catalog.compare import (FITS_GB, STREAMING_QUALITY, Comparison, StreamingRow, comparisons,
                             scatter, streaming_rows)
from catalog.model import Catalog, Paper

from . import text

COMPARE = "generated/compare"
INDEX = f"{COMPARE}/index.md"
STREAMING = f"{COMPARE}/streaming.md"
CAVEAT = ("Each paper measures speed on its own hardware, at its own resolution and number of "
          "sampling steps, and many report VBench on their own prompt sets (original or "
          "extended). The plot and the table show what each paper reports; they are not a "
          "controlled comparison. A VBench total measured under another setting than most "
          "rows is marked not comparable, and one whose setting the source does not state "
          "says so.")


def benchmark_page(key: str) -> str:
    return f"{COMPARE}/{text.paper_path(key)}"  # a vocabulary key has the record-key shape


def _fmt(value) -> str:
    return "" if value is None else f"{value:g}"


def _urls(page: str):
    """Helpers bound to one page: a paper's built URL, a benchmark page's built URL."""
    from .pages import built_url, paper_page  # pages imports this module: import late

    def paper_url(key: str) -> str:
        return built_url(page, paper_page(key))

    def bench_url(key: str) -> str:
        return built_url(page, benchmark_page(key))
    return paper_url, bench_url


def _base(catalog: Catalog, base_model: str | None, paper_url) -> dict | None:
    if not base_model:
        return None
    if base_model in catalog.papers:
        return {"name": catalog.papers[base_model].name, "url": paper_url(base_model)}
    return {"name": base_model, "url": None}


def paper_knowledge(catalog: Catalog, paper: Paper, page: str) -> dict:
    """What a paper page shows of its results, compute and open parts."""
    paper_url, bench_url = _urls(page)
    results = []
    for result in paper.results:
        bench = catalog.benchmarks.get(result.benchmark)
        results.append({"name": bench.name if bench else result.benchmark,
                        "url": bench_url(result.benchmark) if bench else None,
                        "value": _fmt(result.value), "unit": bench.unit if bench else "",
                        "better": ("higher is better" if bench.higher_is_better else
                                   "lower is better") if bench else "",
                        "setting": result.setting.label(), "source": result.source or ""})
    c, o = paper.compute, paper.open
    figures = []
    if c:
        for label, part, number, unit in (("Throughput", c.throughput, "fps", "frames/s"),
                                          ("Latency", c.latency, "seconds", "s"),
                                          ("Memory", c.memory, "gb", "GB"),
                                          ("Training", c.training, "gpu_hours", "GPU-hours")):
            if part is None:
                continue
            value = getattr(part, number)
            figures.append({"label": label, "value": f"{value:g} {unit}" if value else "",
                            "hardware": part.hardware or "",
                            "resolution": getattr(part, "resolution", None) or "",
                            "note": part.note or "", "source": part.source or ""})
    return {"results": results,
            "compute": c and {"parameters": _fmt(c.parameters_b), "source": c.source or "",
                              "base": _base(catalog, c.base_model, paper_url),
                              "figures": figures},
            "open": o and {"code": text.safe_url(o.code or paper.links.code),
                           "weights": text.safe_url(o.weights or paper.links.weights),
                           "licence": o.licence or "", "source": o.source or ""}}


def _streaming_view(catalog: Catalog, rows: list[StreamingRow], page: str) -> list[dict]:
    paper_url, _ = _urls(page)
    out = []
    for row in rows:
        q = row.quality
        sources = [s for s in (f"speed: {row.fps_source}" if row.fps_source else None,
                               f"latency: {row.latency_source}" if row.latency_source else None,
                               f"VBench: {q.source}" if q and q.source else None) if s]
        out.append({
            "key": row.paper.key, "name": row.paper.name, "url": paper_url(row.paper.key),
            "fps": _fmt(row.fps), "hardware": row.fps_hardware or row.latency_hardware or "",
            "resolution": row.fps_resolution or "", "latency": _fmt(row.latency),
            "latency_note": row.latency_note or "",
            "vbench": _fmt(q.value) if q else "", "vbench_setting": q.setting.label() if q else "",
            "status": row.quality_status, "parameters": _fmt(row.parameters_b),
            "base": _base(catalog, row.base_model, paper_url), "memory": _fmt(row.memory_gb),
            "weights": text.safe_url(row.weights),
            "flags": {"open-weights": "yes" if row.weights else "no",
                      "fits-24gb": {True: "yes", False: "no", None: "unknown"}[row.fits_24gb],
                      "wan": "yes" if row.wan else "no"},
            "sources": sources})
    return out


def _comparison_view(comparison: Comparison, page: str) -> dict:
    paper_url, _ = _urls(page)
    bench = comparison.benchmark
    groups = []
    for group in comparison.groups:
        groups.append({"setting": group.setting, "recorded": group.recorded,
                       "comparable": group.comparable,
                       "rows": [{"rank": i + 1 if group.recorded else None, "name": e.paper.name,
                                 "url": paper_url(e.paper.key), "value": _fmt(e.result.value),
                                 "note": e.result.setting.note or "",
                                 "source": e.result.source or ""}
                                for i, e in enumerate(group.entries)]})
    return {"bench": bench, "url": text.safe_url(bench.url), "groups": groups,
            "direction": "higher is better" if bench.higher_is_better else "lower is better"}


def compare_pages(catalog: Catalog, env, front_matter) -> dict[str, str]:
    """Every comparison page, keyed by docs path. ``env``: the HTML template environment;
    ``front_matter``: the pages module's (so titles are escaped the same way)."""
    pages = {}

    def page_text(path: str, title: str, template: str, **ctx) -> None:
        body = env.get_template(template).render(**ctx)
        pages[path] = f"{front_matter(title=title)}\n{body}\n"
    all_comparisons = comparisons(catalog)
    rows = streaming_rows(catalog)
    _, bench_url = _urls(INDEX)
    from .pages import built_url
    page_text(INDEX, "Compare", "compare_index.html.j2",
              comparisons=[{"name": c.benchmark.name, "url": bench_url(c.benchmark.key),
                            "count": c.count, "groups": len(c.groups),
                            "description": c.benchmark.description} for c in all_comparisons],
              streaming_url=built_url(INDEX, STREAMING), streaming=len(rows))
    plot = scatter(rows)
    page_text(STREAMING, "Real-time streaming", "compare_streaming.html.j2",
              rows=_streaming_view(catalog, rows, STREAMING), caveat=CAVEAT, fits=FITS_GB,
              plot=plot, plot_points=[{"x": p.x, "y": p.y, "name": p.row.paper.name,
                                       "fps": _fmt(p.row.fps), "hardware": p.row.fps_hardware,
                                       "vbench": _fmt(p.row.quality.value),
                                       "status": p.row.quality_status}
                                      for p in plot.points] if plot else [],
              quality=catalog.benchmarks.get(STREAMING_QUALITY))
    for comparison in all_comparisons:
        path = benchmark_page(comparison.benchmark.key)
        page_text(path, comparison.benchmark.name, "compare_benchmark.html.j2",
                  view=_comparison_view(comparison, path), index_url=built_url(path, INDEX))
    return pages
