"""Cards, claims and result records: the contract between a reproduction and the catalog.

A card (``reproductions/<folder>/card.yaml``) states what a reproduction claims; a result record
(``results/<tag>.json``) states what one run measured. Claims are judged in one place
(:func:`judge`): a model that failed the context-use gate gets "not learned", a claim whose
quantities were not measured gets "not run", otherwise the card's ``comparison`` is evaluated
on the measured numbers. Comparisons are parsed with :mod:`ast` and only arithmetic,
comparisons, ``and``/``or``/``not``, numbers and measured names are allowed: nothing in a card
is ever executed.
"""
from __future__ import annotations

import ast
import math
import operator
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog.loader import Finding, LoadError, read_yaml

VERDICTS = ("holds", "does not hold", "not learned", "not run")
RECORD_KEYS = ("paper", "scale", "created", "seed", "device", "commit", "code", "versions", "wall_time_s",
               "protocol", "gate", "metrics", "curves", "claims", "figures")


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    statement: str
    source: str
    metric: str
    comparison: str
    threshold: Union[float, int, str]
    scale: Literal["smoke", "full"]
    test: str = Field(description="pytest node id, e.g. tests/repro/test_x.py::test_y")
    # the verdict calibration found; the claim's test asserts that a run still gives it, so a
    # claim that does not hold stays recorded (and checked) as not holding
    expected: Literal["holds", "does not hold"] = "holds"


class Reported(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: str
    value: Union[float, int, str]
    source: str


class Seeds(BaseModel):
    """The three-seed rule: which smoke records a card is judged on, how many of them a claim
    must hold on, and the band a claim test's run must fall in (mean +- k x the records' standard
    deviation, never narrower than ``floor`` x max(|mean|, 1))."""
    model_config = ConfigDict(extra="forbid")

    smoke: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=3)
    cpu_threads: int = Field(default=2, ge=1)   # a CPU smoke run's thread count (deterministic)
    holds_on: int = 2
    band_k: float = Field(default=4.0, gt=0)
    band_floor: float = Field(default=0.02, ge=0)


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paper: str
    title: str
    reproduced: list[str]
    not_reproduced: list[str] = Field(default_factory=list)
    claims: list[Claim]
    reported: list[Reported] = Field(default_factory=list)
    seeds: Seeds = Field(default_factory=Seeds)
    calibration: Optional[dict] = None  # free-form: thresholds' provenance, seeds they held on

    def claims_at(self, scale: str) -> list[Claim]:
        return [c for c in self.claims if c.scale == scale]

    def expected(self, claim_id: str) -> str:
        """The verdict this card records for a claim: what a claim test checks a run against."""
        return {c.id: c.expected for c in self.claims}[claim_id]


def load_card(path: Path, root: Path | None = None) -> tuple[Card | None, list[Finding]]:
    """Read and validate one card; problems come back as findings with the field's line."""
    rel = path.relative_to(root).as_posix() if root else path.as_posix()
    try:
        data, lines = read_yaml(path, rel)
    except LoadError as err:
        return None, [err.finding]
    try:
        card = Card.model_validate(data)
    except ValidationError as err:
        out = []
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"])
            out.append(Finding(rel, lines.get(str(e["loc"][0]) if e["loc"] else "", 1),
                               f"{loc}: {e['msg']}", "see reproductions/README.md"))
        return None, out
    findings = []
    for claim in card.claims:
        try:
            comparison_names(claim.comparison)
        except ValueError as err:
            findings.append(Finding(rel, lines.get("claims", 1), f"claim {claim.id}: {err}",
                                    "use numbers, measured names, arithmetic and comparisons"))
        test_file, _, test_name = claim.test.partition("::")
        test_path = (root or Path(".")) / test_file
        if not test_name or not test_path.is_file() or f"def {test_name.split('[')[0]}(" not in \
                test_path.read_text(encoding="utf-8"):
            findings.append(Finding(rel, lines.get("claims", 1),
                                    f"claim {claim.id}: test {claim.test} not found",
                                    "name an existing pytest node id"))
    if len({c.id for c in card.claims}) != len(card.claims):
        findings.append(Finding(rel, lines.get("claims", 1), "claim ids repeat", "make ids unique"))
    return card, findings


# ---- safe evaluation of a claim's comparison -------------------------------------------------

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv}
_CMPOPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}


def _walk(node: ast.AST, env: dict | None):
    """Evaluate (env given) or only validate and collect names (env None)."""
    if isinstance(node, ast.Expression):
        return _walk(node.body, env)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return node.value if env is not None else set()
    if isinstance(node, ast.Name):
        return env[node.id] if env is not None else {node.id}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        v = _walk(node.operand, env)
        if env is None:
            return v
        return -v if isinstance(node.op, ast.USub) else not v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _walk(node.left, env), _walk(node.right, env)
        return (a | b) if env is None else _BINOPS[type(node.op)](a, b)
    if isinstance(node, ast.BoolOp):
        vals = [_walk(v, env) for v in node.values]
        if env is None:
            return set().union(*vals)
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.Compare) and all(type(o) in _CMPOPS for o in node.ops):
        vals = [_walk(node.left, env)] + [_walk(c, env) for c in node.comparators]
        if env is None:
            return set().union(*vals)
        return all(_CMPOPS[type(op)](vals[i], vals[i + 1]) for i, op in enumerate(node.ops))
    raise ValueError(f"comparison may not contain {type(node).__name__}")


def _parse(expr: str) -> ast.Expression:
    try:
        return ast.parse(expr, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"comparison {expr!r} does not parse: {err.msg}") from None


def comparison_names(expr: str) -> set[str]:
    """The measured quantities a comparison reads (raises ValueError if it is not allowed)."""
    return _walk(_parse(expr), None)


def evaluate(expr: str, measured: dict[str, float]) -> bool:
    """True when the comparison holds on the measured numbers (names must all be present)."""
    return bool(_walk(_parse(expr), measured))


def margin(expr: str, measured: dict[str, float]) -> float:
    """How far the measured numbers are from the comparison's boundary, in its own units:
    positive when it holds, negative when it does not. ``a >= b + 10`` gives a - b - 10; a
    conjunction gives its tightest part, a disjunction its loosest."""
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BoolOp):
            parts = [walk(v) for v in node.values]
            return min(parts) if isinstance(node.op, ast.And) else max(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return -walk(node.operand)
        if isinstance(node, ast.Compare):
            sides = [_walk(node.left, measured)] + [_walk(c, measured) for c in node.comparators]
            slack = []
            for op, a, b in zip(node.ops, sides, sides[1:]):
                if isinstance(op, (ast.Gt, ast.GtE)):
                    slack.append(a - b)
                elif isinstance(op, (ast.Lt, ast.LtE)):
                    slack.append(b - a)
                else:  # == and != have no direction: 0 on the boundary side that fails
                    slack.append(0.0 if _CMPOPS[type(op)](a, b) else -abs(a - b))
            return min(slack)
        raise ValueError(f"no margin for {type(node).__name__}")
    return float(walk(_parse(expr)))


# ---- verdicts and the context-use gate ---------------------------------------------------------

def context_gate(err_with_context: float, err_without_context: float, max_ratio: float) -> dict:
    """The context-use gate: reconstructing a frame from (near) pure noise must be far more
    accurate with the true context than the context-free baseline (the mean frame).
    ``max_ratio`` is the largest allowed ratio of the two errors."""
    ratio = err_with_context / max(err_without_context, 1e-12)
    return {"passed": bool(ratio <= max_ratio),
            "measured": {"err_with_context": err_with_context,
                         "err_without_context": err_without_context,
                         "ratio": ratio, "max_ratio": max_ratio}}


def judge(card: Card, scale: str, measured: dict[str, float], gate_passed: bool,
          only: list[str] | None = None) -> list[dict]:
    """Verdicts for the card's claims at ``scale`` (optionally only the ids in ``only``)."""
    out = []
    for claim in card.claims_at(scale):
        if only is not None and claim.id not in only:
            continue
        names = sorted(comparison_names(claim.comparison))
        values = {n: measured[n] for n in names if n in measured}
        if len(values) < len(names) or any(not math.isfinite(float(v)) for v in values.values()):
            verdict = "not run"
        elif not gate_passed:
            verdict = "not learned"
        else:
            verdict = "holds" if evaluate(claim.comparison, values) else "does not hold"
        out.append({"id": claim.id, "verdict": verdict, "measured": values,
                    "threshold": claim.threshold})
    return out


def judge_claim(card: Card, claim_id: str, measured: dict[str, float], gate_passed: bool,
                records: list[dict] = ()) -> dict:
    """One claim judged at its own scale, with the verdict the card records for it (``expected``:
    "holds" unless the card says the claim does not hold) and, given the seeds' smoke
    ``records``, the numbers of this claim that fall outside their band (``outside_band``). A
    claim test asserts that the verdicts agree and nothing is outside, so it fails when a run
    changes in either direction, even where the verdict stays."""
    claim = {c.id: c for c in card.claims}[claim_id]
    (result,) = judge(card, claim.scale, measured, gate_passed, only=[claim_id])
    names = comparison_names(claim.comparison)
    limits = {k: v for k, v in bands(card, list(records)).items() if k in names} \
        if claim.scale == "smoke" else {}
    return dict(result, expected=card.expected(claim_id),
                outside_band=outside_bands(measured, limits))


def seed_verdict(card: Card, claim_id: str, verdicts: list[str]) -> str:
    """A claim's verdict over the seeds' verdicts: "holds" on at least ``seeds.holds_on`` of them,
    "does not hold" where that many seeds judged it and too few hold, else the most common of
    "not learned" / "not run" (a claim is only judged on models that learned)."""
    need = card.seeds.holds_on
    if verdicts.count("holds") >= need:
        return "holds"
    if verdicts.count("holds") + verdicts.count("does not hold") >= need:
        return "does not hold"
    rest = [v for v in verdicts if v in ("not learned", "not run")]
    return max(("not learned", "not run"), key=rest.count)


def bands(card: Card, records: list[dict]) -> dict[str, tuple[float, float]]:
    """name -> (low, high): where a new smoke run's numbers must lie, from the seeds' records,
    for every quantity the card's smoke claims read."""
    import numpy as np
    names = sorted(set().union(*(comparison_names(c.comparison) for c in card.claims_at("smoke"))))
    out = {}
    for name in names:
        values = np.array([r["metrics"][name] for r in records if name in r["metrics"]], float)
        if len(values) < 2 or not np.isfinite(values).all():
            continue
        mean, sd = values.mean(), values.std(ddof=1)
        half = max(card.seeds.band_k * sd, card.seeds.band_floor * max(abs(mean), 1.0))
        out[name] = (float(mean - half), float(mean + half))
    return out


def outside_bands(measured: dict[str, float], limits: dict[str, tuple[float, float]]) -> dict:
    """The measured numbers that fall outside their band: name -> (value, low, high)."""
    return {k: (measured[k], lo, hi) for k, (lo, hi) in limits.items()
            if k in measured and not lo <= measured[k] <= hi}


def validate_record(record: dict, card: Card | None = None) -> list[str]:
    """Problems with a result record (empty list: it is well formed)."""
    problems = [f"missing key {k!r}" for k in RECORD_KEYS if k not in record]
    problems += [f"unknown key {k!r}" for k in record if k not in RECORD_KEYS]
    gate = record.get("gate", {})
    if not isinstance(gate, dict) or "passed" not in gate or "measured" not in gate:
        problems.append("gate must have 'passed' and 'measured'")
    for c in record.get("claims", []):
        if c.get("verdict") not in VERDICTS:
            problems.append(f"claim {c.get('id')}: verdict {c.get('verdict')!r} not in {VERDICTS}")
        if card is not None and c.get("id") not in {x.id for x in card.claims}:
            problems.append(f"claim {c.get('id')!r} is not on the card")
    if record.get("scale") not in ("smoke", "full"):
        problems.append("scale must be smoke or full")
    if card is not None and record.get("paper") != card.paper:
        problems.append(f"paper {record.get('paper')!r} differs from the card's {card.paper!r}")
    return problems
