"""Accessibility checked, not assumed: axe-core (npm, pinned in package-lock.json) run in
Chromium over the main kinds of page, in light and dark colours. A violation of impact
"serious" or "critical" fails the test, one line each: rule, impact, where, what to fix.

axe is injected by the test from node_modules (installed by `make browser`, which `make test`
runs: `npm ci`); nothing is fetched at test time and the site never ships it."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
SCHEMES = {"light": "default", "dark": "slate"}
PAGES = {
    "home": "index.html",
    "all-papers": "papers.html",
    "paper": "generated/papers/self-forcing.html",
    "map": "map.html",
    "reproduction": "generated/reproductions/diamond.html",
}
# What each page draws with its scripts before it is checked as a reader sees it.
READY = {
    "all-papers": "!/^Loading/.test(document.getElementById('awm-count').textContent)",
    "map": "window.awmMap && window.awmMap.cy.nodes().length > 0",
}
# Parts of Material for MkDocs' own markup that we cannot change, each with its reason;
# axe's `exclude` takes selectors. None is needed at present.
EXCLUDE: list[list[str]] = []


def _axe_script() -> Path:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing ({AXE.relative_to(ROOT)}): run `make test` (or "
                    "`make browser`, or `npm ci --ignore-scripts --no-audit --no-fund`)")
    return AXE


def _report(violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        if v.get("impact") not in BLOCKING:
            continue
        targets = [" ".join(map(str, n["target"])) if isinstance(n["target"], list)
                   else str(n["target"]) for n in v["nodes"]]
        where = ", ".join(targets[:3]) + (f" (+{len(targets) - 3} more)" if len(targets) > 3
                                          else "")
        lines.append(f"{v['id']} ({v['impact']}, {len(targets)} nodes) at {where}: "
                     f"{v['help']} [{v['helpUrl']}]")
    return lines


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violations(request, name, scheme):
    axe = _axe_script()
    visit = request.getfixturevalue("dark_visit" if scheme == "dark" else "visit")
    page = visit.go(PAGES[name])
    if name in READY:
        page.wait_for_function(READY[name])
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == \
        SCHEMES[scheme]
    page.add_script_tag(path=str(axe))
    violations = page.evaluate(
        "async exclude => (await axe.run(exclude.length ? {include: [document], exclude}"
        " : document, {resultTypes: ['violations']})).violations", EXCLUDE)
    found = _report(violations)
    if found:
        pytest.fail(f"{PAGES[name]} ({scheme}): {len(found)} serious or critical accessibility "
                    "violations (axe-core):\n" + "\n".join(found), pytrace=False)
    assert visit.errors == [] and visit.external() == []


def test_the_site_does_not_ship_axe(built_site):
    shipped = [p.name for p in built_site[1].rglob("*") if "axe" in p.name.lower()]
    assert shipped == []
