"""Hostile or garbled input: the importers report and go on, never crash, never execute."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from catalog.importers import dump_record
from catalog.importers import markdown as md
from catalog.importers.bibtex import parse_bibtex
from catalog.loader import load_taxonomy

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEAD = "## 1.1 AR Diffusion (native pretraining)\n"


@pytest.mark.parametrize("item", [
    "* ",
    "*\t**x**",
    "* **unclosed, \"title",
    "* **A**, \"T\". [![arXiv](https://img.shields.io/badge/arXiv-1-b.svg)](http://[::1)",
    "* **A**, \"T\". [![Code](https://img.shields.io/badge/C-G-g.svg)](https://github.com/[x/y)",
    "* **A**, \"T\". [![BibTeX](https://img.shields.io/badge/B-L-b.svg)](https://x/l.bib#Lx-L)",
    "* **A**, \"T\". [![arXiv](data:,)](javascript:alert(document.cookie))",
    "* * * * **deep**, \"T\".",
    "* **" + "x" * 5000 + "**, \"" + "y" * 5000 + "\".",
    "* **A\x00B**, \"T\x1bT\".",
])
def test_garbled_items_do_not_crash(item):
    entries, defects = md.parse_markdown(HEAD + item + "\n", "x.md", load_taxonomy())
    md.check_entries(entries, "x.md")
    for record in md.drafts(entries):
        dump_record(record)
    assert all("javascript" not in url for e in entries for url in [*e.links.values(), *e.other])


def test_a_title_with_markup_or_yaml_tags_stays_plain_text():
    item = ('* **<script>alert(1)</script>**, "!!python/object/apply:os.system [\'id\']". '
            '[![arXiv](https://img.shields.io/badge/arXiv-2407.01392-b31b1b.svg)]'
            '(https://arxiv.org/abs/2407.01392)\n')
    entries, _ = md.parse_markdown(HEAD + item, "x.md", load_taxonomy())
    record, = md.drafts(entries)
    assert yaml.safe_load(dump_record(record))["title"] == "!!python/object/apply:os.system ['id']"
    assert record["name"] == "<script>alert(1)</script>"  # text; renderers escape it
    assert record["key"] == "script-alert-1-script"


def test_seeded_mutations_of_a_list_and_a_bib_never_crash():
    rng = random.Random(20261126)
    text = (FIXTURES / "list.md").read_text()
    bib_text = (FIXTURES / "list.bib").read_text()
    bib, _ = parse_bibtex(bib_text, "list.bib")
    pieces = list('*-[]()!"#:/.\n {}\\@,=') + ["**", "](", "[![", "https://", "#L", "http://["]
    parsed = 0
    for _ in range(150):
        chars = list(text)
        for _ in range(rng.randrange(1, 15)):
            at = rng.randrange(len(chars))
            chars[at:at + rng.randrange(0, 4)] = rng.choice(pieces)
        entries, _ = md.parse_markdown("".join(chars), "m.md", load_taxonomy())
        md.check_against_bib(entries, bib, "m.md")
        md.check_entries(entries, "m.md")
        md.drafts(entries)
        parsed += len(entries)
        mutated = "".join(c if rng.random() > 0.02 else rng.choice(pieces) for c in bib_text)
        parse_bibtex(mutated, "m.bib")
    assert parsed > 150  # most mutations still leave papers to read
