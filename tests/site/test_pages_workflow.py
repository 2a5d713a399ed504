"""The pages workflow: main is published, a pull request gets the same build as an artifact."""
from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "pages.yml"


def _workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def _step(job: dict, uses: str) -> dict:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith(uses)]
    return step


def test_pull_requests_build_the_site_and_upload_it_as_a_preview():
    wf = _workflow()
    assert {"push", "pull_request"} <= set(wf["on"])
    build = wf["jobs"]["build"]
    run = [s for s in build["steps"] if s.get("run") == "awm site build"]
    assert len(run) == 1 and "if" not in run[0]  # the same build for main and pull requests
    preview = _step(build, "actions/upload-artifact@")
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert preview["with"]["path"] == "build/site" and preview["with"]["name"] == "site-preview"
    pages = _step(build, "actions/upload-pages-artifact@")
    assert pages["if"] == "github.event_name != 'pull_request'"


def test_only_main_deploys_and_only_the_deploy_job_may_write_pages():
    wf = _workflow()
    assert wf["permissions"] == {"contents": "read"}
    deploy = wf["jobs"]["deploy"]
    assert deploy["if"] == "github.event_name != 'pull_request'"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "permissions" not in wf["jobs"]["build"]
