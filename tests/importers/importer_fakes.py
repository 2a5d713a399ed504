"""Fakes for the network, for the importer and online-check tests: an HTTP session that
replays recorded answers, and an arXiv client that uses it. No test here touches the network."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import arxiv

HERE = Path(__file__).resolve().parent
RECORDED = HERE / "recorded"
REPO = HERE.parent.parent
UPSTREAM = REPO.parent / "shared" / "upstream"


class FakeResponse:
    def __init__(self, status_code: int, content: bytes = b""):
        self.status_code = status_code
        self.content = content

    def close(self):
        pass


class FakeSession:
    """Answers by URL: ``routes`` maps a URL (or, for the arXiv API, the sorted id list) to an
    int status, bytes (200 with that body) or an exception instance to raise."""

    def __init__(self, routes: dict, default=404):
        self.routes = routes
        self.default = default
        self.calls: list[tuple[str, str]] = []

    def _answer(self, method: str, url: str):
        self.calls.append((method, url))
        query = parse_qs(urlsplit(url).query)
        key = ",".join(sorted(query["id_list"][0].split(","))) if "id_list" in query else url
        answer = self.routes.get(key, self.default)
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, bytes):
            return FakeResponse(200, answer)
        return FakeResponse(answer)

    def get(self, url, **_):
        return self._answer("GET", url)

    def head(self, url, **_):
        return self._answer("HEAD", url)


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def arxiv_client(routes: dict, default=404) -> arxiv.Client:
    """A real ``arxiv.Client`` (its query building and Atom parsing run) whose HTTP session is
    a ``FakeSession``; no delay, no retries."""
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
    client._session = FakeSession(routes, default)
    return client
