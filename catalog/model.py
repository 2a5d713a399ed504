"""The paper record and the taxonomy: the contract between the data and every renderer.

A record is one ``papers/<key>.yaml`` file. The schema is pydantic; unknown fields are refused
(a typo must not pass silently). Semantic checks that need the whole catalog (duplicates,
lineage, taxonomy membership) live in ``checks.py``.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ARXIV_PATTERN = r"^\d{4}\.\d{4,5}$"
DATE_PATTERN = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"
RESOLUTION_PATTERN = r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$"  # WxH in pixels, e.g. 832x480
# An SPDX identifier as a repository states it (Apache-2.0, CC-BY-NC-SA-4.0, LicenseRef-...).
LICENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.+-]*$"

# A reported number: a YAML int or float, never a string ("84.3%") or a boolean, never NaN.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=1)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class Links(BaseModel):
    """Where to find the paper's artefacts. Every link is https (checked in checks.py)."""

    model_config = ConfigDict(extra="forbid")

    project: Optional[str] = None
    code: Optional[str] = None
    weights: Optional[str] = None
    other: list[str] = Field(default_factory=list)

    def all(self) -> list[tuple[str, str]]:
        """(field, url) pairs in a stable order."""
        pairs = [(name, getattr(self, name)) for name in ("project", "code", "weights")]
        pairs += [("other", url) for url in self.other]
        return [(name, url) for name, url in pairs if url]


class _Part(BaseModel):
    """A part of a record: unknown keys refused, surrounding whitespace dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Setting(_Part):
    """What makes two numbers comparable: two results of one benchmark are ranked together
    only when their settings are equal."""

    resolution: Optional[str] = Field(default=None, pattern=RESOLUTION_PATTERN,
                                      description="WxH in pixels, e.g. 832x480.")
    frames: Optional[Count] = None
    steps: Optional[Count] = Field(default=None, description="Sampling (denoising) steps.")
    prompts: Optional[Literal["original", "extended"]] = Field(
        default=None, description="VBench prompts as published, or rewritten (extended).")
    dataset: Optional[Text] = None
    seeds: Optional[Count] = None
    note: Optional[Text] = None

    def comparable_key(self) -> tuple:
        """What must be equal for two numbers to be ranked together: every key but the note
        (free text, which would make each number a group of its own)."""
        return tuple(sorted(self.model_dump(exclude_none=True, exclude={"note"}).items()))

    def label(self, note: bool = True) -> str:
        """The setting in a few words, e.g. '832x480, 81 frames, 4 steps, extended prompts';
        '' when nothing is recorded. ``note=False`` leaves the note out."""
        parts = [self.resolution,
                 f"{self.frames} frames" if self.frames else None,
                 f"{self.steps} steps" if self.steps else None,
                 f"{self.prompts} prompts" if self.prompts else None,
                 self.dataset,
                 f"{self.seeds} seeds" if self.seeds else None,
                 self.note if note else None]
        return ", ".join(p for p in parts if p)


class Result(_Part):
    """One number the paper (or its official pages) reports on a benchmark of the vocabulary."""

    benchmark: str = Field(description="A key of catalog/benchmarks.yaml.")
    value: Number
    setting: Setting = Field(default_factory=Setting)
    source: Optional[Text] = Field(default=None, description="Where it was read (checked).")


class _Figure(_Part):
    """A measured figure's context: what it ran on, what it times, where it was read."""

    hardware: Optional[Text] = None
    note: Optional[Text] = None
    source: Optional[Text] = None


class Throughput(_Figure):
    fps: Number
    resolution: Optional[str] = Field(default=None, pattern=RESOLUTION_PATTERN)


class Latency(_Figure):
    seconds: Number  # the note says what is timed, e.g. first frame


class Memory(_Figure):
    gb: Number


class Training(_Figure):
    gpu_hours: Optional[Number] = None


class Compute(_Part):
    """Size, lineage of weights, speed and cost, each figure with its source."""

    parameters_b: Optional[Number] = Field(default=None, description="Billions of parameters.")
    base_model: Optional[Text] = Field(
        default=None, description="A catalog key when the base is in the catalog, else its name.")
    source: Optional[Text] = Field(default=None,
                                   description="Where parameters_b and base_model were read.")
    throughput: Optional[Throughput] = None
    latency: Optional[Latency] = None
    memory: Optional[Memory] = None
    training: Optional[Training] = None


class Open(_Part):
    """What is released: code and weights (https links) and the licence."""

    code: Optional[str] = None
    weights: Optional[str] = None
    licence: Optional[str] = Field(default=None, pattern=LICENCE_PATTERN)
    source: Optional[Text] = None


class Benchmark(BaseModel):
    """One entry of catalog/benchmarks.yaml: what a result's number measures."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    metric: str = Field(min_length=1, max_length=80)
    unit: str = Field(default="", max_length=20, description="'%', 'dB', '' for a plain score.")
    higher_is_better: bool
    description: str = Field(min_length=1, max_length=400)
    url: str = Field(pattern=r"^https://[^\s]+$")
    min: Optional[float] = Field(default=None, description="Smallest possible value, if any.")
    max: Optional[float] = Field(default=None, description="Largest possible value, if any.")


class Paper(BaseModel):
    """One paper of the catalog."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=KEY_PATTERN, description="Equals the file name without .yaml.")
    name: str = Field(min_length=1, max_length=80, description="Short name shown in lists.")
    title: str = Field(min_length=1, max_length=400)
    authors: list[str] = Field(default_factory=list, description="Full names, paper order.")
    date: str = Field(pattern=DATE_PATTERN, description="YYYY-MM of the first public version.")
    venue: Optional[str] = None
    arxiv: Optional[str] = Field(default=None, pattern=ARXIV_PATTERN)
    links: Links = Field(default_factory=Links)
    section: str = Field(description="<area>/<section> from catalog/taxonomy.yaml.")
    tags: list[str] = Field(default_factory=list)
    builds_on: list[str] = Field(default_factory=list, description="Keys of papers it extends.")
    summary: Optional[str] = Field(default=None, max_length=400)
    bibtex: Optional[str] = Field(default=None, description="Override for the generated entry.")
    results: list[Result] = Field(default_factory=list, description="Reported numbers.")
    compute: Optional[Compute] = None
    open: Optional[Open] = None

    @field_validator("authors", "tags", "builds_on")
    @classmethod
    def _no_blank_items(cls, values: list[str]) -> list[str]:
        if any(not isinstance(v, str) or not v.strip() for v in values):
            raise ValueError("list items must be non-empty strings")
        return [v.strip() for v in values]

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def area(self) -> str:
        return self.section.split("/", 1)[0]

    @property
    def arxiv_url(self) -> Optional[str]:
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else None


@dataclass(frozen=True)
class Section:
    id: str  # "<area>/<section>"
    title: str
    about: str
    area: str
    area_title: str


@dataclass(frozen=True)
class Taxonomy:
    areas: list[dict]  # [{"id", "title", "about", "sections": [Section, ...]}]
    sections: dict[str, Section]  # ordered as in the file
    tags: dict[str, str]

    @classmethod
    def from_dict(cls, data: dict) -> "Taxonomy":
        areas, sections = [], {}
        for area in data["areas"]:
            secs = []
            for s in area["sections"]:
                sec = Section(f"{area['id']}/{s['id']}", s["title"], " ".join(s["about"].split()),
                              area["id"], area["title"])
                sections[sec.id] = sec
                secs.append(sec)
            areas.append({"id": area["id"], "title": area["title"], "about": area["about"],
                          "sections": secs})
        return cls(areas=areas, sections=sections, tags=dict(data.get("tags") or {}))


@dataclass
class Catalog:
    """Everything loaded: records (by key, sorted), where each field sits, the taxonomy,
    the reproduction cards, and the problems met while loading."""

    papers: dict[str, Paper]
    taxonomy: Taxonomy
    sources: dict[str, "Source"] = field(default_factory=dict)
    reproductions: dict[str, dict] = field(default_factory=dict)  # paper key -> card (+ result)
    load_findings: list = field(default_factory=list)
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)  # catalog/benchmarks.yaml

    def in_section(self, section_id: str) -> list[Paper]:
        """A section's papers in date order (oldest first), ties by key."""
        return sorted((p for p in self.papers.values() if p.section == section_id),
                      key=lambda p: (p.date, p.key))

    def built_upon_by(self, key: str) -> list[str]:
        return sorted(k for k, p in self.papers.items() if key in p.builds_on)


@dataclass
class Source:
    """Where a record came from, for file:line messages."""

    path: str  # relative path, e.g. papers/self-forcing.yaml
    lines: dict[str, int]  # field ("links", "links.code") -> 1-based line; "" -> 1

    def line(self, field_name: str = "") -> int:
        """The field's own line, else the nearest enclosing field's (``results.0.setting.x``,
        then ``results.0.setting``, ``results.0``, ``results``), else the first line."""
        while field_name:
            if line := self.lines.get(field_name):
                return line
            field_name = field_name.rpartition(".")[0]
        return self.lines.get("", 1)


# Letters of other scripts drawn like Latin ones, as Unicode's confusables.txt pairs them: the
# Cyrillic and Greek letters used to fake Latin text. Mapped before case folding, which would
# lose the shape (Greek capital NU is drawn N, its small letter like v).
_LOOKALIKES = dict(zip("АВЕЅІЈКМНОРСТХУаеѕіјорсхуһԁԛԝӏ" "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορυχ",
                       "ABESIJKMHOPCTXYaesijopcxyhdqwl" "ABEZHIKMNOPTYXaikvopux"))
_TO_LATIN = str.maketrans(_LOOKALIKES)


def normalise_title(text: str) -> str:
    """A title or name as compared for duplicates: compatibility forms unfolded (NFKD: the
    ligature ﬁ, full-width and mathematical letters), look-alike letters read as Latin, case
    folded, then only letters, digits and symbols kept (no accents, punctuation or spaces).
    'World Models: A Study', 'world-models -- a STUDY' and 'Wоrld Models' with a Cyrillic о
    give one value; 'Self Forcing++' (+ is a symbol) stays apart from 'Self Forcing'."""
    text = unicodedata.normalize("NFKD", text).translate(_TO_LATIN).casefold()
    return "".join(char for char in text if unicodedata.category(char)[0] in "LNS")


def lookalikes(text: str) -> list[str]:
    """What ``normalise_title`` reads as Latin in ``text``, e.g. "U+0435 CYRILLIC SMALL LETTER
    IE as 'e'", once each, in order."""
    found = dict.fromkeys(c for c in unicodedata.normalize("NFKD", text) if c in _LOOKALIKES)
    return [f"U+{ord(c):04X} {unicodedata.name(c)} as '{_LOOKALIKES[c]}'" for c in found]
