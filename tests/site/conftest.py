"""Browser tests of the built site: one build per session from the real catalog plus one hostile
record, served on localhost, driven with Playwright and Debian's Chromium (never a browser that
Playwright downloads)."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from unittest import mock
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from catalog.loader import load_catalog
from catalog.site.build import build_site

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"
# The site is built as the pages workflow builds it (published under a sub-path, with its
# repository) and served under that path, as GitHub Pages serves a project site.
SUB_PATH = "/awm/"
SITE_URL = "https://awm.example.org/awm/"
REPO_URL = "https://github.com/example-owner/awm-catalog"
HOSTILE_KEY = "hostile-record"
HOSTILE_NAME = 'Hostile <img src=x onerror="window.__pwned=1"> name'
HOSTILE_TITLE = ('A title with <script>window.__pwned=1</script> and '
                 '<img src=x onerror="window.__pwned=1"> in it')
HOSTILE_YAML = f"""\
key: {HOSTILE_KEY}
name: '{HOSTILE_NAME}'
title: '{HOSTILE_TITLE}'
authors: ['<b onmouseover="window.__pwned=1">Mallory</b>', "Eve [x](javascript:window.__pwned=1)"]
date: "2026-11"
venue: '<svg onload="window.__pwned=1">'
links:
  code: 'https://github.com/example/repo"onmouseover="window.__pwned=1'
section: algorithm/foundations
tags: [world-model]
builds_on: [diffusion-forcing]
summary: '[click me](javascript:window.__pwned=1) {{: onclick="window.__pwned=1"}} `code` *em*'
bibtex: '@misc{{x, note = {{</code></pre><script>window.__pwned=1</script>}}}}'
"""


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of what `awm site` reads (records, pages, engine, mkdocs.yml), to build or serve."""
    root = tmp_path / "repo"
    skip = shutil.ignore_patterns("generated", "runs", "__pycache__")
    for name in ("papers", "site", "catalog", "reproductions"):
        shutil.copytree(ROOT / name, root / name, ignore=skip)
    for name in ("mkdocs.yml", "CONTRIBUTING.md", "README.md"):
        shutil.copy2(ROOT / name, root / name)
    return root


@pytest.fixture(scope="session")
def hostile():
    """The hostile record: key, name, title and its YAML text (tests import no modules here:
    pytest runs with --import-mode=importlib)."""
    return SimpleNamespace(key=HOSTILE_KEY, name=HOSTILE_NAME, title=HOSTILE_TITLE,
                           yaml=HOSTILE_YAML, root=ROOT, repo_url=REPO_URL, sub_path=SUB_PATH)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """(catalog, output folder): the site built from papers/ plus the hostile record."""
    work = tmp_path_factory.mktemp("site")
    papers = work / "papers"
    shutil.copytree(ROOT / "papers", papers)
    (papers / f"{HOSTILE_KEY}.yaml").write_text(HOSTILE_YAML, encoding="utf-8")
    catalog = load_catalog(ROOT, papers_dir=papers)
    assert HOSTILE_KEY in catalog.papers, catalog.load_findings
    out = work / "out"
    with mock.patch.dict(os.environ, {"AWM_SITE_URL": SITE_URL, "AWM_REPO_URL": REPO_URL}):
        done = build_site(catalog, ROOT, docs_dir=work / "docs", site_dir=out, capture=True)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "WARNING" not in log, log
    return catalog, out


@pytest.fixture(scope="session")
def base_url(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site[1]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}{SUB_PATH}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built folder under SUB_PATH only, and 404.html for what is not there."""

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        inside = path.startswith(SUB_PATH)
        return super().translate_path("/" + path[len(SUB_PATH):] if inside else "/.outside")

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        yield chromium
        chromium.close()


class Visit:
    """A browser page that records every request URL and every console error or page error.
    Requests that would leave localhost are recorded and aborted."""

    def __init__(self, browser, base_url, color_scheme: str = "light"):
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.context.route("**/*", self._route)

    def _route(self, route):
        if _local(route.request.url):
            route.continue_()
        else:
            route.abort()

    def go(self, path: str, width: int | None = None, height: int = 900):
        """Open ``path``; with ``width``, in a viewport of that size."""
        if width is not None:
            self.page.set_viewport_size({"width": width, "height": height})
        self.page.goto(self.base_url + path, wait_until="load")
        return self.page

    def scroll_width(self) -> int:
        """The document's width: above the viewport's when the page scrolls sideways."""
        return self.page.evaluate("document.documentElement.scrollWidth")

    def external(self) -> list[str]:
        return [u for u in self.requests if not _local(u)]

    def pwned(self) -> bool:
        return self.page.evaluate("typeof window.__pwned !== 'undefined'")

    def screenshot(self, name: str, scroll_to: str | None = None) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if scroll_to:
            self.page.locator(scroll_to).scroll_into_view_if_needed()
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def _local(url: str) -> bool:
    """Served by our localhost server, or read from the built folder, or inline."""
    parts = urlsplit(url)
    return parts.hostname in ("127.0.0.1", "localhost") or parts.scheme in (
        "file", "data", "blob", "about")


@pytest.fixture
def visit(browser, base_url):
    v = Visit(browser, base_url)
    yield v
    v.context.close()


@pytest.fixture
def dark_visit(browser, base_url):
    """A browser whose system asks for dark colours."""
    v = Visit(browser, base_url, color_scheme="dark")
    yield v
    v.context.close()


@pytest.fixture
def file_visit(browser, built_site):
    """The built folder opened with file:// URLs: no server at all."""
    v = Visit(browser, built_site[1].as_uri() + "/")
    yield v
    v.context.close()
