"""The statistics page: counts from the loaded catalog and the geometry of its bar charts.

Charts are inline SVG drawn at build time (no chart library, no script): each bar is a
rectangle with a <title> that a pointer or a screen reader can read, and every chart has its
numbers as a table below it. Colours come from the theme (CSS), so dark mode applies.
"""
from __future__ import annotations

from catalog.model import Catalog

WIDTH, HEIGHT = 800, 220  # the month chart's drawing area, in SVG units
BAR_ROW = 26              # height of one row of a horizontal bar chart


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _ticks(top: int) -> list[int]:
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000) if top / s <= 5)
    return list(range(0, top + 1, step))


def per_month(catalog: Catalog) -> dict:
    """Papers per month of first version, every month from the first to the last (empty
    months included, so the axis is time), as bars with a year label at each January."""
    dates = sorted(p.date for p in catalog.papers.values())
    if not dates:
        return {"bars": [], "years": [], "ticks": [], "rows": []}
    months = _months(dates[0], dates[-1])
    counts = {m: 0 for m in months}
    for d in dates:
        counts[d] += 1
    top = max(counts.values())
    ticks = _ticks(top)
    scale_top = max(ticks[-1], top)
    slot = WIDTH / len(months)
    bars = [{"x": round(i * slot + slot * 0.1, 2), "w": round(slot * 0.8, 2),
             "h": round(counts[m] / scale_top * HEIGHT, 2),
             "y": round(HEIGHT - counts[m] / scale_top * HEIGHT, 2),
             "month": m, "count": counts[m]} for i, m in enumerate(months)]
    years = [{"x": round(i * slot, 2), "year": m[:4]} for i, m in enumerate(months)
             if m.endswith("-01") or i == 0]
    return {"bars": bars, "years": years, "width": WIDTH, "height": HEIGHT,
            "ticks": [{"value": t, "y": round(HEIGHT - t / scale_top * HEIGHT, 2)} for t in ticks],
            "rows": [(m, counts[m]) for m in months if counts[m]]}


def _hbars(rows: list[tuple[str, int]], total: int) -> dict:
    """A horizontal bar per (label, count); lengths relative to ``total``."""
    top = max(total, 1)
    return {"rows": [{"label": label, "count": n, "share": round(100 * n / top),
                      "y": i * BAR_ROW, "w": round(100 * n / top, 2)}
                     for i, (label, n) in enumerate(rows)],
            "height": max(len(rows), 1) * BAR_ROW}


def stats_view(catalog: Catalog) -> dict:
    papers = list(catalog.papers.values())
    n = len(papers)
    sections = [(f"{s.area_title} / {s.title}", len(catalog.in_section(s.id)))
                for s in catalog.taxonomy.sections.values()]
    top_section = max((c for _, c in sections), default=1)
    has = [("Code", sum(1 for p in papers if p.links.code)),
           ("Weights", sum(1 for p in papers if p.links.weights)),
           ("Project page", sum(1 for p in papers if p.links.project)),
           ("A venue (not only a preprint)", sum(1 for p in papers if p.venue)),
           ("A reproduction here", sum(1 for p in papers if p.key in catalog.reproductions))]
    years: dict[str, int] = {}
    for p in papers:
        years[p.date[:4]] = years.get(p.date[:4], 0) + 1
    return {"papers": n, "month": per_month(catalog),
            "sections": _hbars(sections, top_section), "has": _hbars(has, n),
            "years": sorted(years.items())}
