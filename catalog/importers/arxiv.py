"""arXiv identifiers and metadata.

``parse_ref`` turns whatever a contributor pastes (a bare id, ``arXiv:`` prefix, a version
suffix, an abs/pdf/html URL) into the bare id the catalog stores. ``fetch_many`` (by id) and
``search`` (by query, for ``awm discover``) ask the arXiv API through the ``arxiv`` package; a
caller may pass its own ``arxiv.Client`` (tests pass one, ``make_client(session)``, whose HTTP
session replays recorded Atom responses).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import arxiv
import requests
from lxml import etree  # the arxiv package's own XML parser

ID_RE = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_URL_PATH_RE = re.compile(r"^/(?:abs|pdf|html)/(\d{4}\.\d{4,5})(v\d+)?(?:\.pdf)?/?$")
_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
REQUEST_TIMEOUT_S = 20


class ArxivRefError(ValueError):
    """Not an arXiv id or URL we can use."""


class ArxivUnavailable(RuntimeError):
    """The arXiv API could not be reached or answered with an error."""


@dataclass(frozen=True)
class ArxivRef:
    """A parsed reference: the bare id, and what was wrong with how it was written."""

    id: str
    version: str = ""  # e.g. "v2" when the reference carried one
    kind: str = "id"  # "id", "abs", "pdf", "html"
    host: str = ""


@dataclass(frozen=True)
class ArxivPaper:
    arxiv: str
    title: str
    authors: list[str]
    date: str  # YYYY-MM of version 1
    abstract: str = ""
    categories: list[str] = field(default_factory=list)


def parse_ref(ref: str) -> ArxivRef:
    """Parse an id or URL; raise ``ArxivRefError`` with a one-line reason otherwise."""
    text = ref.strip()
    if re.match(r"^arxiv:", text, re.I):
        text = text[6:].strip()
    match = ID_RE.match(text)
    if match:
        return ArxivRef(match.group(1), match.group(2) or "")
    if "://" not in text and text.split("/", 1)[0].lower() in _HOSTS:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced '[' in the host
        raise ArxivRefError(f"'{ref}' is not an arXiv id or URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme in ("http", "https") and host in _HOSTS:
        match = _URL_PATH_RE.match(parts.path)
        if match:
            kind = parts.path.split("/")[1]
            return ArxivRef(match.group(1), match.group(2) or "", kind, host)
    raise ArxivRefError(f"'{ref}' is not an arXiv id or URL "
                        "(write e.g. 2407.01392 or https://arxiv.org/abs/2407.01392)")


def id_problem(arxiv_id: str, today: dt.date | None = None) -> str:
    """Why a well-formed id cannot be a real one ('' when it can): new-style ids began in
    2007-04, their month is 01-12 and not in the future, and the number after the dot has four
    digits up to 2014-12 and five from 2015-01."""
    today = today or dt.date.today()
    yymm, number = arxiv_id.split(".")
    year, month = 2000 + int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12:
        return f"month {yymm[2:]} does not exist"
    if (year, month) < (2007, 4):
        return "new-style ids began in 2007-04"
    if (year, month) > (today.year, today.month):
        return f"{year}-{month:02d} is in the future"
    digits = 4 if (year, month) < (2015, 1) else 5
    if len(number) != digits:
        return f"ids of {year}-{month:02d} have {digits} digits after the dot"
    return ""


def month_of(arxiv_id: str) -> str:
    """YYYY-MM encoded in a new-style id: 2407.01392 was first submitted in 2024-07."""
    return f"20{arxiv_id[:2]}-{arxiv_id[2:4]}"


class _TimeoutSession(requests.Session):
    """The arxiv package sends its requests without a timeout; offline, that can hang."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
        return super().request(*args, **kwargs)


class _AtomOnly:
    """The HTTP session as the arxiv package sees it, refusing a 200 answer that is not a whole
    Atom feed (an HTML error page, a proxy's notice, a cut-off body). The package parses such
    an answer leniently, as a feed with no entries, which would read as "nothing found"."""

    def __init__(self, session):
        self.session = session

    def get(self, url, **kwargs):
        response = self.session.get(url, **kwargs)
        if response.status_code == 200:
            try:  # strict, and never resolving entities or fetching anything
                root = etree.fromstring(bytes(response.content), etree.XMLParser(
                    resolve_entities=False, no_network=True, huge_tree=False))
            except etree.XMLSyntaxError as err:
                raise ValueError(f"not valid XML: {err}") from None
            if root.tag != "{http://www.w3.org/2005/Atom}feed":
                raise ValueError("not an Atom feed")
        return response


def make_client(session: requests.Session | None = None, delay_seconds: float = 3.0,
                num_retries: int = 2) -> arxiv.Client:
    """The client every command uses: 100 results a page, arXiv's 3 s between requests, a
    timeout on each request, unreadable answers refused. ``session`` replaces the HTTP layer."""
    client = arxiv.Client(page_size=100, delay_seconds=delay_seconds, num_retries=num_retries)
    client._session = _AtomOnly(session if session is not None else _TimeoutSession())
    return client


def default_client() -> arxiv.Client:
    return make_client()


def _paper(result: arxiv.Result) -> ArxivPaper:
    return ArxivPaper(arxiv=ID_RE.match(result.get_short_id()).group(1),
                      title=" ".join(result.title.split()),
                      authors=[" ".join(a.name.split()) for a in result.authors],
                      date=f"{result.published.year:04d}-{result.published.month:02d}",
                      abstract=" ".join((result.summary or "").split()),
                      categories=list(result.categories))


@contextlib.contextmanager
def _api_errors():
    """Every way the API can fail, as one ``ArxivUnavailable`` with a one-line reason."""
    try:
        yield
    except arxiv.HTTPError as err:
        raise ArxivUnavailable(f"the arXiv API answered HTTP {err.status}") from None
    except arxiv.ArxivError as err:
        raise ArxivUnavailable(f"the arXiv API gave no usable answer ({err.message})") from None
    except requests.RequestException as err:
        raise ArxivUnavailable(f"cannot reach the arXiv API ({type(err).__name__})") from None
    except (AttributeError, ValueError) as err:  # a feed we cannot read
        raise ArxivUnavailable(f"unreadable answer from the arXiv API ({err})") from None


def fetch_many(ids: list[str], client: arxiv.Client | None = None) -> dict[str, ArxivPaper]:
    """Metadata of the given bare ids, keyed by id; ids arXiv does not know are absent.

    Raises ``ArxivUnavailable`` with a one-line reason when the API cannot be used."""
    client = client or default_client()
    found: dict[str, ArxivPaper] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 100):
        batch = unique[start:start + 100]
        with _api_errors():
            for result in client.results(arxiv.Search(id_list=batch, max_results=len(batch))):
                paper = _paper(result)
                found[paper.arxiv] = paper
    return found


def search(query: str, first: dt.date, last: dt.date, max_results: int = 200,
           client: arxiv.Client | None = None) -> list[ArxivPaper]:
    """Papers matching an arXiv API ``query`` first submitted between ``first`` and ``last``
    (both days included), newest first. Raises ``ArxivUnavailable`` as ``fetch_many`` does."""
    client = client or default_client()
    window = f"submittedDate:[{first:%Y%m%d}0000 TO {last:%Y%m%d}2359]"
    wanted = arxiv.Search(query=f"({query}) AND {window}", max_results=max_results,
                          sort_by=arxiv.SortCriterion.SubmittedDate)
    with _api_errors():
        return [_paper(r) for r in client.results(wanted) if ID_RE.match(r.get_short_id())]


def fetch(arxiv_id: str, client: arxiv.Client | None = None) -> ArxivPaper:
    """Metadata of one paper; ``ArxivUnavailable`` when arXiv is unreachable or has no such id."""
    found = fetch_many([arxiv_id], client)
    if arxiv_id not in found:
        raise ArxivUnavailable(f"arXiv has no paper {arxiv_id}")
    return found[arxiv_id]
