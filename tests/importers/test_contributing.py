"""CONTRIBUTING.md, the pull-request template and the CI workflow stay true to the repository."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from catalog.loader import load_taxonomy

REPO = Path(__file__).resolve().parents[2]

CONTRIBUTING = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_every_section_of_the_taxonomy_is_listed():
    listed = re.findall(r"^\| `([a-z-]+/[a-z-]+)` \|", CONTRIBUTING, re.M)
    assert listed == list(load_taxonomy().sections)


def test_every_field_of_the_record_is_explained():
    from catalog.model import Paper
    explained = re.findall(r"^\| `([a-z_]+)` \| (?:yes|no) \|", CONTRIBUTING, re.M)
    assert explained == list(Paper.model_fields)


def test_relative_links_point_at_files_of_the_repository():
    targets = re.findall(r"\]\(([^)#:]+)\)", CONTRIBUTING)
    assert targets
    missing = [t for t in targets if not (REPO / t).exists()]
    assert missing == [], missing


def test_the_example_record_is_valid():
    from catalog.model import Paper
    example = re.search(r"```yaml\n(key: diffusion-forcing\n.*?)```", CONTRIBUTING, re.S).group(1)
    paper = Paper.model_validate(yaml.safe_load(example))
    taxonomy = load_taxonomy()
    assert paper.section in taxonomy.sections and set(paper.tags) <= set(taxonomy.tags)


def test_ci_runs_the_same_commands_as_a_contributor():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "checks.yml").read_text())
    assert set(workflow[True]) == {"pull_request", "push"}  # YAML 1.1 reads the key `on` as True
    runs = {name: [s.get("run", "") for s in job["steps"]] for name, job in workflow["jobs"].items()}
    assert any("awm check" in r for r in runs["catalog"])
    ci_run = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci_run and any(r.startswith("make test") for r in runs["tests"])
    assert (REPO / ".github" / "pull_request_template.md").exists()
