"""`awm add` on recorded arXiv answers: success, duplicates refused, API errors write nothing."""
from __future__ import annotations

from argparse import Namespace

import requests
import yaml

from catalog.importers.commands import add
from catalog.loader import load_catalog

SF_TITLE = "Self Forcing: Bridging the Train-Test Gap in Autoregressive Video Diffusion"


def _args(root, ref, section="algorithm/streaming-distillation", key=None, manual=False):
    return Namespace(root=root, ref=ref, section=section, key=key, manual=manual)


def _files(root):
    return sorted(p.name for p in (root / "papers").iterdir())


def test_success_writes_a_record_that_loads(repo_copy, capsys, arxiv_client, recorded):
    client = arxiv_client({"2506.08009": recorded("arxiv-2506.08009.xml")})
    assert add(_args(repo_copy, "https://arxiv.org/pdf/2506.08009v2"), client) == 0
    assert _files(repo_copy) == ["diffusion-forcing.yaml", "self-forcing.yaml"]
    catalog = load_catalog(repo_copy)
    assert catalog.load_findings == []
    paper = catalog.papers["self-forcing"]
    assert paper.name == "Self Forcing" and paper.title == SF_TITLE
    assert paper.authors == ["Xun Huang", "Zhengqi Li", "Guande He", "Mingyuan Zhou",
                             "Eli Shechtman"]
    assert (paper.date, paper.arxiv) == ("2025-06", "2506.08009")  # v1 month, no version suffix
    assert paper.section == "algorithm/streaming-distillation"
    assert "wrote papers/self-forcing.yaml" in capsys.readouterr().out
    (method, url), = client._session.calls
    assert method == "GET" and "id_list=2506.08009" in url


def test_key_can_be_chosen(repo_copy, arxiv_client, recorded):
    client = arxiv_client({"2506.08009": recorded("arxiv-2506.08009.xml")})
    assert add(_args(repo_copy, "2506.08009", key="self-forcing-2025"), client) == 0
    assert yaml.safe_load((repo_copy / "papers" / "self-forcing-2025.yaml").read_text())["key"] \
        == "self-forcing-2025"


def test_same_arxiv_id_is_refused_before_asking_arxiv(repo_copy, capsys, arxiv_client):
    client = arxiv_client({})
    assert add(_args(repo_copy, "https://arxiv.org/abs/2407.01392v2"), client) == 1
    assert capsys.readouterr().err == ("awm add: refused: arXiv 2407.01392 is already in the "
                                       "catalog: papers/diffusion-forcing.yaml\n")
    assert client._session.calls == []
    assert _files(repo_copy) == ["diffusion-forcing.yaml"]


def test_same_title_is_refused(repo_copy, capsys, arxiv_client, recorded):
    (repo_copy / "papers" / "sf-old.yaml").write_text(f'key: sf-old\ntitle: "{SF_TITLE.upper()}"\n')
    client = arxiv_client({"2506.08009": recorded("arxiv-2506.08009.xml")})
    assert add(_args(repo_copy, "2506.08009"), client) == 1
    assert capsys.readouterr().err == ("awm add: refused: a paper with this title is already in "
                                       "the catalog: papers/sf-old.yaml\n")
    assert _files(repo_copy) == ["diffusion-forcing.yaml", "sf-old.yaml"]


def test_same_key_is_refused(repo_copy, capsys, arxiv_client, recorded):
    (repo_copy / "papers" / "self-forcing.yaml").write_text("key: self-forcing\ntitle: Other\n")
    client = arxiv_client({"2506.08009": recorded("arxiv-2506.08009.xml")})
    assert add(_args(repo_copy, "2506.08009"), client) == 1
    assert capsys.readouterr().err == ("awm add: refused: key 'self-forcing' is already used by "
                                       "papers/self-forcing.yaml (choose another with --key)\n")
    assert (repo_copy / "papers" / "self-forcing.yaml").read_text() == \
        "key: self-forcing\ntitle: Other\n"


def test_api_error_writes_nothing(repo_copy, capsys, arxiv_client):
    client = arxiv_client({"2506.08009": 503})
    assert add(_args(repo_copy, "2506.08009"), client) == 1
    err = capsys.readouterr().err
    assert err == ("awm add: the arXiv API answered HTTP 503; no file written "
                   "(try again later, or use --manual)\n")
    assert _files(repo_copy) == ["diffusion-forcing.yaml"]


def test_offline_writes_nothing(repo_copy, capsys, arxiv_client):
    client = arxiv_client({"2506.08009": requests.ConnectionError("no route to host")})
    assert add(_args(repo_copy, "2506.08009"), client) == 1
    assert capsys.readouterr().err == ("awm add: cannot reach the arXiv API (ConnectionError); "
                                       "no file written (try again later, or use --manual)\n")
    assert _files(repo_copy) == ["diffusion-forcing.yaml"]


def test_unknown_id_writes_nothing(repo_copy, capsys, arxiv_client, recorded):
    client = arxiv_client({"2401.00001": recorded("arxiv-empty.xml")})
    assert add(_args(repo_copy, "2401.00001"), client) == 1
    assert "arXiv has no paper 2401.00001; no file written" in capsys.readouterr().err
    assert _files(repo_copy) == ["diffusion-forcing.yaml"]


def test_bad_usage_exits_2(repo_copy, capsys, arxiv_client):
    assert add(_args(repo_copy, "not-an-id"), arxiv_client({})) == 2
    assert add(_args(repo_copy, "2506.08009", section="algorithm/nope"), arxiv_client({})) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("awm add: 'not-an-id' is not an arXiv id or URL")
    assert err[1].startswith("awm add: unknown section 'algorithm/nope' (choose one of: ")


def test_manual_template_needs_no_network_and_fits_the_schema(repo_copy, arxiv_client):
    client = arxiv_client({})
    assert add(_args(repo_copy, "my-paper", manual=True), client) == 0
    assert client._session.calls == []
    data = yaml.safe_load((repo_copy / "papers" / "my-paper.yaml").read_text())
    assert data["key"] == "my-paper" and data["section"] == "algorithm/streaming-distillation"
    # unfilled, `awm check` names what is missing; filled, it loads
    findings = load_catalog(repo_copy).load_findings
    assert [f.message for f in findings] == ["field 'name': String should have at least 1 character",
                                             "field 'title': String should have at least 1 character",
                                             "field 'date' has a bad format"]
    data.update(name="My Paper", title="My Paper", date="2025-01")
    (repo_copy / "papers" / "my-paper.yaml").write_text(yaml.safe_dump(data))
    assert load_catalog(repo_copy).load_findings == []


def test_manual_refuses_an_existing_key(repo_copy, capsys, arxiv_client):
    assert add(_args(repo_copy, "diffusion-forcing", manual=True), arxiv_client({})) == 1
    assert "already used by papers/diffusion-forcing.yaml" in capsys.readouterr().err


def test_cli_refuses_a_duplicate_in_one_line(repo_copy, capsys):
    from tools.awm import main as awm
    assert awm(["--root", str(repo_copy), "add", "https://arxiv.org/abs/2407.01392v1",
                "--section", "algorithm/native-ar-diffusion"]) == 1
    assert capsys.readouterr().err == ("awm add: refused: arXiv 2407.01392 is already in the "
                                       "catalog: papers/diffusion-forcing.yaml\n")


def test_default_client_never_waits_without_a_timeout(monkeypatch):
    from catalog.importers.arxiv import REQUEST_TIMEOUT_S, default_client
    seen = {}

    def fake_request(self, method, url, **kwargs):
        seen.update(kwargs)
        raise requests.ConnectionError("offline")

    monkeypatch.setattr(requests.Session, "request", fake_request)
    client = default_client()
    client.num_retries = 0
    try:
        client._session.get("https://export.arxiv.org/api/query?id_list=2506.08009")
    except requests.ConnectionError:
        pass
    assert seen["timeout"] == REQUEST_TIMEOUT_S


def test_manual_with_an_arxiv_id_fills_id_and_month_only(repo_copy, capsys, arxiv_client):
    client = arxiv_client({})
    assert add(_args(repo_copy, "https://arxiv.org/abs/2506.08009v2", manual=True), client) == 2
    assert "needs --key" in capsys.readouterr().err
    assert add(_args(repo_copy, "https://arxiv.org/abs/2506.08009v2", key="sf", manual=True),
               client) == 0
    data = yaml.safe_load((repo_copy / "papers" / "sf.yaml").read_text())
    assert (data["arxiv"], data["date"], data["title"]) == ("2506.08009", "2025-06", "")
    assert client._session.calls == []
