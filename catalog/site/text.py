"""Escaping record text for the pages that MkDocs renders.

Python-Markdown passes raw HTML through and interprets Markdown syntax, and record text comes
from strangers. Two kinds of template, each with one rule:
- Markdown templates (*.md.j2): every ``{{ }}`` goes through ``md_text`` (backslash-escape
  Markdown syntax, then HTML-escape) unless a helper here made it ``Markup``; links are made
  by ``page_link`` (https or a site path only).
- HTML templates (*.html.j2, the paper pages): Jinja2 autoescape, and only URLs that
  ``safe_url`` returned become links. Markdown leaves such a raw HTML block untouched.
"""
from __future__ import annotations

import html
import re
from urllib.parse import quote

from markupsafe import Markup

from catalog.model import KEY_PATTERN

# Python-Markdown's backslash-escapable characters (plus '|' from the tables extension).
# '<', '>', '&' and quotes are not here: html.escape turns them into entities afterwards.
_MD_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_KEY = re.compile(KEY_PATTERN)
# Characters kept as they are in a URL; everything else is percent-encoded, so a URL cannot
# close a Markdown link, open an HTML attribute or carry a space.
_URL_SAFE = "/:?#@!$&*+,;=%~-._"


def md_text(value) -> Markup:
    """Record text as inline Markdown that renders exactly as the text, on one line."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    text = " ".join(str(value).split())
    return Markup(html.escape(_MD_SYNTAX.sub(r"\\\1", text), quote=True))


def breakable(value) -> Markup:
    """``md_text`` with a line-break opportunity after each underscore, for long metric names
    in table headers (``copy_last_rollout_psnr`` wraps at its words, not mid-word)."""
    return Markup(str(md_text(value)).replace("\\_", "\\_<wbr>"))


def plain_html(value) -> str:
    """Text for places that take HTML but not Markdown (front matter titles, tag names)."""
    return html.escape(" ".join(str(value).split()), quote=True)


def safe_url(url: str | None) -> str | None:
    """An https URL made safe to put in a Markdown link, or None when it is not https."""
    if not url or not isinstance(url, str) or not url.lower().startswith("https://"):
        return None
    return quote(url.strip(), safe=_URL_SAFE).replace("(", "%28").replace(")", "%29")


def page_link(text, target: str) -> Markup:
    """A Markdown link to a site page or an https URL; plain text when the target is unsafe."""
    if target.startswith("https://"):
        href = safe_url(target)
    else:
        href = target if re.fullmatch(r"[a-z0-9./#?=-]+", target) and "//" not in target else None
    if not href:
        return md_text(text)
    return Markup(f"[{md_text(text)}]({href})")


def image(alt, target: str) -> Markup:
    """A Markdown image of a file beside the page (plain relative path only)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+/[A-Za-z0-9][A-Za-z0-9._-]*", target):
        return md_text(alt)
    return Markup(f"![{md_text(alt)}]({target})")


def paper_path(key: str) -> str:
    """The page of a paper, relative to generated/papers/; refuses anything but a record key."""
    if not _KEY.match(key):
        raise ValueError(f"not a record key: {key!r}")
    return f"{key}.md"
