"""Fakes for the network, as fixtures: an HTTP session that replays recorded answers, and an
arXiv client that uses it. No test here touches the network."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import arxiv
import pytest

HERE = Path(__file__).resolve().parent
RECORDED = HERE / "recorded"
REPO = HERE.parent.parent


class FakeResponse:
    def __init__(self, status_code: int, content: bytes = b""):
        self.status_code = status_code
        self.content = content

    def close(self):
        pass

    def json(self):
        return json.loads(self.content)


class FakeSession:
    """Answers by URL. ``routes`` maps a URL (for the arXiv API: the sorted id list), or a
    (method, URL) pair, to an int status, bytes (200 with that body) or an exception to raise."""

    def __init__(self, routes: dict, default=404):
        self.routes = routes
        self.default = default
        self.calls: list[tuple[str, str]] = []

    def _answer(self, method: str, url: str):
        self.calls.append((method, url))
        query = parse_qs(urlsplit(url).query)
        key = ",".join(sorted(query["id_list"][0].split(","))) if "id_list" in query else url
        answer = self.routes.get((method, key), self.routes.get(key, self.default))
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, bytes):
            return FakeResponse(200, answer)
        return FakeResponse(answer)

    def get(self, url, **_):
        return self._answer("GET", url)

    def head(self, url, **_):
        return self._answer("HEAD", url)


@pytest.fixture
def fake_session():
    """The FakeSession class: ``fake_session(routes, default=404)``."""
    return FakeSession


@pytest.fixture
def recorded():
    """``recorded(name)``: the bytes of a file under tests/importers/recorded/."""
    return lambda name: (RECORDED / name).read_bytes()


@pytest.fixture
def arxiv_client():
    """``arxiv_client(routes)``: a real ``arxiv.Client`` (its query building and Atom parsing
    run) whose HTTP session is a FakeSession; no delay, no retries."""
    def make(routes: dict, default=404) -> arxiv.Client:
        client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
        client._session = FakeSession(routes, default)
        return client
    return make


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A minimal checkout: the taxonomy and one record (Diffusion Forcing)."""
    (tmp_path / "catalog").mkdir()
    (tmp_path / "papers").mkdir()
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", tmp_path / "catalog" / "taxonomy.yaml")
    shutil.copy(RECORDED / "diffusion-forcing.yaml", tmp_path / "papers" / "diffusion-forcing.yaml")
    return tmp_path
