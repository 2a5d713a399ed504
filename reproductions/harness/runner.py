"""`awm repro list|run|check|report|diagnose`: discover reproductions, run one, write and check
its result records, and report every claim over its seeds.

A reproduction is any folder ``reproductions/<folder>/`` holding a ``card.yaml`` and a
``repro.py`` that defines ``run(ctx: RunContext) -> dict`` (see reproductions/README.md).
Folder names may contain hyphens, so the folder is imported as a package under a synthetic
name (``awm_repro_<folder with underscores>``); its modules import each other relatively.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .card import Card, judge, judge_claim, load_card, margin, seed_verdict, validate_record

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunContext:
    """What a reproduction's ``run`` receives."""

    folder: Path          # reproductions/<folder>
    card: Card
    scale: str            # "smoke" | "full"
    seed: int
    resume: bool          # continue from the checkpoints in run_dir
    run_dir: Path         # checkpoints and logs (git-ignored): <folder>/runs/<tag>
    results_dir: Path     # result records and figures (committed): <folder>/results
    tag: str              # "smoke", "full", or "smoke-seed1": prefix for figure file names

    @property
    def device(self):
        from .train import auto_device
        return auto_device()


def discover(root: Path = ROOT) -> dict[str, Path]:
    """folder name -> folder path, for every reproduction with a card."""
    return {p.parent.name: p.parent for p in sorted((root / "reproductions").glob("*/card.yaml"))}


def resolve(key: str, root: Path = ROOT) -> Path:
    """A folder name or a paper key -> the reproduction folder (KeyError if none)."""
    found = discover(root)
    if key in found:
        return found[key]
    for folder in found.values():
        card, _ = load_card(folder / "card.yaml", root)
        if card is not None and card.paper == key:
            return folder
    raise KeyError(key)


# package -> the reproduction packages its modules import through import_module (a study uses
# its method's folder: gamengen -> diamond, causvid -> causvid-self-forcing, nova -> mar)
_USES: dict[str, set[str]] = {}


def _package(folder: Path) -> str:
    return "awm_repro_" + folder.name.replace("-", "_")


def import_module(folder: Path, name: str = "repro"):
    """Import ``<folder>/<name>.py`` as a module of a package made from the folder."""
    pkg = _package(folder)
    caller = sys._getframe(1).f_globals.get("__name__", "").split(".")[0]
    if caller.startswith("awm_repro_") and caller != pkg:
        _USES.setdefault(caller, set()).add(pkg)
    if pkg not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            pkg, folder / "__init__.py" if (folder / "__init__.py").exists() else None,
            submodule_search_locations=[str(folder)])
        if spec is None:  # no __init__.py: a namespace-like package
            spec = importlib.machinery.ModuleSpec(pkg, None, is_package=True)
            spec.submodule_search_locations = [str(folder)]
        module = importlib.util.module_from_spec(spec)
        sys.modules[pkg] = module
        if spec.loader is not None:
            spec.loader.exec_module(module)
    return importlib.import_module(f"{pkg}.{name}")


def environment() -> dict:
    """Device, versions and commit for a result record."""
    import numpy
    import torch
    from .train import auto_device
    device = auto_device()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = f"cpu ({torch.get_num_threads()} threads)"
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"device": name, "commit": commit,
            "versions": {"python": platform.python_version(), "torch": torch.__version__,
                         "numpy": numpy.__version__}}


def code_folders(folder: Path, root: Path = ROOT) -> list[str]:
    """The folders whose code a run of ``folder`` used: the harness, the folder, and every
    reproduction folder its modules imported through :func:`import_module`, transitively."""
    used, todo = {Path(__file__).resolve().parent}, [_package(folder)]
    seen = set()
    while todo:
        pkg = todo.pop()
        if pkg in seen or pkg not in sys.modules:
            continue
        seen.add(pkg)
        used.update(Path(p).resolve() for p in sys.modules[pkg].__path__)
        todo += _USES.get(pkg, ())
    return sorted(p.relative_to(base).as_posix() for p in used
                  for base in [next((b for b in (root, ROOT) if p.is_relative_to(b)), None)] if base)


# Modules a run never executes, left out of a record's code digest: the harness's judging and
# recording (`awm repro check` recomputes every verdict from a record's metrics) and, in any
# folder, the entry points of other commands (tools/bench_repro.py, awm repro diagnose, play).
NOT_RUN_CODE = ("reproductions/harness/card.py", "reproductions/harness/runner.py")
NOT_RUN_MODULES = ("bench.py", "diagnose.py", "play.py")


def code_digest(folders: list[str], root: Path = ROOT) -> str:
    """sha256 over the path and bytes of every .py file in ``folders`` (relative to ``root``, or
    to this checkout for the shared harness) that a run executes: the code of a record."""
    h = hashlib.sha256()
    for folder in folders:
        path = root / folder if (root / folder).is_dir() else ROOT / folder
        for f in sorted(path.glob("*.py")):
            if f"{folder}/{f.name}" in NOT_RUN_CODE or f.name in NOT_RUN_MODULES:
                continue
            h.update(f"{folder}/{f.name}".encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_tag(scale: str, seed: int) -> str:
    """Name of a run's record (results/<tag>.json) and checkpoints (runs/<tag>/)."""
    return scale if seed == 0 else f"{scale}-seed{seed}"


def run_one(folder: Path, scale: str, seed: int = 0, resume: bool = False,
            root: Path = ROOT, results_dir: Path | None = None, run_dir: Path | None = None) -> dict:
    """Run a reproduction and write its result record; returns the record. Tests pass
    temporary ``results_dir``/``run_dir`` so nothing lands in the checkout."""
    card, findings = load_card(folder / "card.yaml", root)
    if card is None:
        raise ValueError("; ".join(map(str, findings)))
    tag = run_tag(scale, seed)
    ctx = RunContext(folder=folder, card=card, scale=scale, seed=seed, resume=resume,
                     run_dir=run_dir or folder / "runs" / tag,
                     results_dir=results_dir or folder / "results",
                     tag=tag)
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    ctx.results_dir.mkdir(parents=True, exist_ok=True)
    if scale == "smoke" and ctx.device.type == "cpu":
        import torch
        torch.set_num_threads(card.seeds.cpu_threads)   # the thread count of the card's records
    start = time.perf_counter()
    out = import_module(folder).run(ctx)
    env = environment()
    folders = code_folders(folder, root)
    record = {"paper": card.paper, "scale": scale,
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "seed": seed, "device": env["device"], "commit": env["commit"],
              "code": {"folders": folders, "sha256": code_digest(folders, root)},
              "versions": env["versions"], "wall_time_s": round(time.perf_counter() - start, 1),
              "protocol": out["protocol"], "gate": out["gate"], "metrics": out["metrics"],
              "curves": out.get("curves", {}), "claims": out["claims"],
              "figures": out.get("figures", [])}
    problems = validate_record(record, card)
    if problems:
        raise ValueError("result record: " + "; ".join(problems))
    write_json_atomic(ctx.results_dir / f"{tag}.json", record)
    return record


def seed_records(folder: Path, card: Card) -> dict[int, dict]:
    """seed -> the committed smoke record, for the seeds of the card's rule that have one."""
    out = {}
    for seed in card.seeds.smoke:
        path = folder / "results" / f"{run_tag('smoke', seed)}.json"
        if path.is_file():
            out[seed] = json.loads(path.read_text(encoding="utf-8"))
    return out


def judge_run(folder: Path, claim_id: str, measured: dict, gate_passed: bool,
              root: Path = ROOT, seed: int = 0) -> dict:
    """A new run's claim judged by the reproduction's card, with the bands of its committed seed
    records (:func:`card.judge_claim`): what every claim test asserts on.

    ``expected`` is the verdict this run must reproduce: the one the committed record of the same
    ``seed`` gives by the card, where there is one (a claim can hold by the card's rule on two of
    three seeds and miss on the one a test trains), else the card's. That the rule's verdict over
    the records is the card's is :func:`check`'s part."""
    card, findings = load_card(folder / "card.yaml", root)
    if card is None:
        raise ValueError("; ".join(map(str, findings)))
    records = seed_records(folder, card)
    result = judge_claim(card, claim_id, measured, gate_passed, list(records.values()))
    claim = {c.id: c for c in card.claims}[claim_id]
    if claim.scale == "smoke" and seed in records:
        rec = records[seed]
        (own,) = judge(card, "smoke", rec["metrics"], rec["gate"]["passed"], only=[claim_id])
        result["expected"] = own["verdict"]
    return result


def seed_table(folder: Path, card: Card) -> list[dict]:
    """Every smoke claim judged on every seed's record by the card as it is now: per claim its
    per-seed verdicts and margins, the verdict by the card's rule, and the card's ``expected``."""
    records = seed_records(folder, card)
    rows = []
    for claim in card.claims_at("smoke"):
        verdicts, margins = [], []
        for seed in card.seeds.smoke:
            rec = records.get(seed)
            if rec is None:
                verdicts.append("not run")
                margins.append(None)
                continue
            (got,) = judge(card, "smoke", rec["metrics"], rec["gate"]["passed"], only=[claim.id])
            verdicts.append(got["verdict"])
            margins.append(margin(claim.comparison, got["measured"])
                           if got["verdict"] in ("holds", "does not hold") else None)
        rows.append({"claim": claim, "verdicts": verdicts, "margins": margins,
                     "verdict": seed_verdict(card, claim.id, verdicts)})
    return rows


def check(folder: Path, root: Path = ROOT) -> list[str]:
    """Findings for a card and its committed result records: the records' form, a smoke record
    for every seed of the card's rule, made from the code in this checkout, and every smoke
    claim's verdict by the rule equal to the one the card records."""
    card, findings = load_card(folder / "card.yaml", root)
    out = [str(f) for f in findings]
    if card is None:
        return out
    rel_card = (folder / "card.yaml").relative_to(root).as_posix()
    for seed in card.seeds.smoke:
        if not (folder / "results" / f"{run_tag('smoke', seed)}.json").is_file():
            out.append(f"{rel_card}:1: no smoke record for seed {seed} (make it: awm repro run "
                       f"{folder.name} --scale smoke --seed {seed})")
    if not (folder / "repro.py").is_file():
        out.append(f"{folder.relative_to(root)}: no repro.py with run(ctx)")
    papers = root / "papers" / f"{card.paper}.yaml"
    if not papers.is_file():
        out.append(f"{folder.relative_to(root)}/card.yaml:1: paper {card.paper!r} has no record "
                   f"(add papers/{card.paper}.yaml)")
    for res in sorted((folder / "results").glob("*.json")):
        rel = res.relative_to(root).as_posix()
        try:
            record = json.loads(res.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            out.append(f"{rel}:1: unreadable: {err}")
            continue
        problems = validate_record(record, card)
        out += [f"{rel}:1: {p}" for p in problems]
        for fig in record.get("figures", []):
            if not (folder / "results" / fig).is_file():
                out.append(f"{rel}:1: figure {fig} is missing")
        code = record.get("code") or {}
        if not problems and code.get("sha256") != code_digest(code.get("folders", []), root):
            out.append(f"{rel}:1: made from code that differs from this checkout's "
                       f"({', '.join(code.get('folders', []))}; re-run: awm repro run "
                       f"{folder.name} --scale {record['scale']} --seed {record['seed']})")
    text = (folder / "card.yaml").read_text(encoding="utf-8").splitlines()
    for row in seed_table(folder, card):
        claim, held = row["claim"], row["verdicts"].count("holds")
        line = next((i for i, t in enumerate(text, 1)
                     if re.search(rf"(^|[\s{{,-])id:\s*{re.escape(claim.id)}\s*($|[,}}])", t)), 1)
        if row["verdict"] != claim.expected:
            out.append(f"{rel_card}:{line}: claim {claim.id} holds on {held} of "
                       f"{len(row['verdicts'])} seeds ({card.seeds.holds_on} needed): "
                       f"{row['verdict']!r}, but the card records {claim.expected!r}")
    return out


def report(targets: list[Path], root: Path = ROOT) -> str:
    """One table of every claim of every reproduction: scale, seeds holding, the margin on each
    seed (measured minus threshold, in the comparison's units), the verdict by the card's rule
    and the one the card records."""
    lines = ["| reproduction | claim | scale | seeds holding | margin per seed | verdict | card |",
             "|---|---|---|---|---|---|---|"]
    for folder in targets:
        card, _ = load_card(folder / "card.yaml", root)
        if card is None:
            continue
        for row in seed_table(folder, card):
            margins = " / ".join("-" if m is None else f"{m:+.3g}" for m in row["margins"])
            lines.append(f"| {folder.name} | {row['claim'].id} | smoke | "
                         f"{row['verdicts'].count('holds')}/{len(row['verdicts'])} | {margins} | "
                         f"{row['verdict']} | {row['claim'].expected} |")
        for claim in card.claims_at("full"):
            path = folder / "results" / "full.json"
            rec = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
            if rec is None:
                lines.append(f"| {folder.name} | {claim.id} | full | no record | - | not run | "
                             f"{claim.expected} |")
                continue
            (got,) = judge(card, "full", rec["metrics"], rec["gate"]["passed"], only=[claim.id])
            m = margin(claim.comparison, got["measured"]) \
                if got["verdict"] in ("holds", "does not hold") else None
            lines.append(f"| {folder.name} | {claim.id} | full | "
                         f"{int(got['verdict'] == 'holds')}/1 | {'-' if m is None else f'{m:+.3g}'} "
                         f"| {got['verdict']} | {claim.expected} |")
    return "\n".join(lines)


def diagnose(folder: Path, scale: str, seed: int = 0, steps: int | None = None) -> int:
    """Print a reproduction's diagnosis of the checkpoints its run left (``diagnose.py`` with
    ``diagnose(run_dir, scale, seed, steps) -> dict``; only some reproductions ship one)."""
    if not (folder / "diagnose.py").is_file():
        print(f"awm repro diagnose: {folder.name} ships no diagnose.py", file=sys.stderr)
        return 2
    found = import_module(folder, "diagnose").diagnose(folder / "runs" / run_tag(scale, seed),
                                                      scale, seed, steps)
    for k, v in found.items():
        print(f"{k:>36}  {round(v, 4) if isinstance(v, float) else v}")
    return 0


def _summary(record: dict) -> str:
    lines = [f"{record['paper']} [{record['scale']}, seed {record['seed']}, {record['device']}, "
             f"{record['wall_time_s']} s] gate: {'passed' if record['gate']['passed'] else 'FAILED'}"]
    for c in record["claims"]:
        lines.append(f"  {c['verdict']:>13}  {c['id']}  {c['measured']}")
    return "\n".join(lines)


def main(args) -> int:
    root = Path(getattr(args, "root", ROOT))
    found = discover(root)
    if args.action == "list":
        for name, folder in found.items():
            card, _ = load_card(folder / "card.yaml", root)
            results = sorted(p.stem for p in (folder / "results").glob("*.json"))
            print(f"{name}\tpaper={card.paper if card else '?'}\t"
                  f"claims={len(card.claims) if card else '?'}\tresults={','.join(results) or '-'}")
        return 0
    targets = list(found.values())
    if args.key:
        try:
            targets = [resolve(args.key, root)]
        except KeyError:
            print(f"awm repro: no reproduction {args.key!r} (have: {', '.join(found)})",
                  file=sys.stderr)
            return 2
    if args.action == "check":
        problems = [p for folder in targets for p in check(folder, root)]
        print("\n".join(problems) if problems else f"{len(targets)} reproduction(s) OK")
        return 1 if problems else 0
    if args.action == "report":
        print(report(targets, root))
        return 0
    if not args.key:
        print(f"awm repro {args.action}: name a reproduction (awm repro list)", file=sys.stderr)
        return 2
    if args.action == "diagnose":
        return diagnose(targets[0], args.scale, args.seed, getattr(args, "steps", None))
    record = run_one(targets[0], args.scale, args.seed, args.resume, root)
    print(_summary(record))
    return 0
