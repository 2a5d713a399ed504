"""`awm site serve` follows edits in papers/: the served page of a record changes after its YAML
does, with no restart (the command polls the records and regenerates the pages; the engine's
watcher rebuilds). Runs the real command on a copy of the checkout, on a free local port."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "diffusion-forcing"
NEW_TITLE = "A title edited while the site is served"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, predicate, seconds: float) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = _get(url)
        if page is not None and predicate(page):
            return page
        time.sleep(0.5)
    return None


def test_serve_regenerates_pages_when_a_record_changes(checkout):
    root = checkout
    port = _free_port()
    url = f"http://127.0.0.1:{port}/generated/papers/{KEY}.html"
    server = subprocess.Popen([sys.executable, str(ROOT / "tools" / "awm.py"), "--root", str(root),
                               "site", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        before = _wait_for(url, lambda page: True, 120)
        assert before is not None, "the served paper page never answered"
        assert NEW_TITLE not in before
        record = root / "papers" / f"{KEY}.yaml"
        text = record.read_text(encoding="utf-8")
        record.write_text(re.sub(r"(?m)^title: .*$", f"title: '{NEW_TITLE}'", text, count=1),
                          encoding="utf-8")
        after = _wait_for(url, lambda page: NEW_TITLE in page, 120)
        assert after is not None, "the page did not follow the edited record"
    finally:
        server.terminate()          # awm stops its engine on SIGTERM; a test that hangs here fails
        out, _ = server.communicate(timeout=30)
    assert "pages regenerated from" in out, out
