"""The same mkdocs.yml builds with Zensical (Material for MkDocs' successor), strict, and the
hostile record stays text there too."""
from __future__ import annotations

import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from catalog.loader import load_catalog
from catalog.site.build import build_site

ZENSICAL = shutil.which("zensical") or Path(sys.executable).with_name("zensical")


def test_zensical_builds_the_site(tmp_path, hostile):
    ROOT, HOSTILE_KEY = hostile.root, hostile.key
    if not Path(ZENSICAL).exists():
        pytest.fail("zensical is not installed: pip install -e '.[dev]'")
    papers = tmp_path / "papers"
    shutil.copytree(ROOT / "papers", papers)
    (papers / f"{HOSTILE_KEY}.yaml").write_text(hostile.yaml, encoding="utf-8")
    catalog = load_catalog(ROOT, papers_dir=papers)
    out = tmp_path / "out"
    done = build_site(catalog, ROOT, tmp_path / "docs", out, engine="zensical", capture=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for key in catalog.papers:
        assert (out / "generated" / "papers" / f"{key}.html").is_file(), key
    assert (out / "map.html").is_file() and (out / "generated" / "catalog-data.js").is_file()
    assert (out / "assets" / "vendor" / "cytoscape-3.35.0" / "cytoscape.min.js").is_file()
    page = (out / "generated" / "papers" / f"{HOSTILE_KEY}.html").read_text(encoding="utf-8")
    parsed = _Parsed()
    parsed.feed(page)
    assert parsed.handlers == [] and not any("__pwned" in s for s in parsed.scripts)
    assert "<script>window.__pwned=1</script>" in "".join(parsed.text)  # shown as text


class _Parsed(HTMLParser):
    """Event-handler attributes and inline script bodies of a page, and its text."""

    def __init__(self):
        super().__init__()
        self.handlers, self.scripts, self.text, self._in_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.handlers += [(tag, k) for k, _ in attrs if k.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)
