"""`awm import bibtex`: entries with line spans, LaTeX decoded, defects of the .bib itself."""
from __future__ import annotations

from pathlib import Path

from catalog.importers.bibtex import drafts, parse_bibtex, split_authors
from tools.awm import main as awm

BIB = r"""% a comment line
@article{chen2024diffusion,
  title={Diffusion forcing: Next-token prediction meets full-sequence diffusion},
  author={Chen, Boyuan and Mart{\'\i} Mons{\'o}, Diego and others},
  journal={arXiv preprint arXiv:2407.01392},
  year={2024}
}
@misc{infinite,
    Author = {Junyi Chen, Zhoujie Fu, Xianglong He},
    Title = {Infinite-Forcing: Towards Infinite-Long Video Generation}
}
@inproceedings{anchor,
  title={Anchor Forcing},
  author={Yang, A},
  year={2026},
  url={arXiv preprint arXiv:2603.13405}
}
@misc{diag,
  title={Streaming Autoregressive Video Generation via Diagonal Distillation},
  author={Jinxiu Liu and Xuanming Liu},
  year={2026},
  eprint={2603.09488v2},
  archivePrefix={arXiv},
}
@inproceedings{astra,
  title={Astra: General Interactive World Model with Autoregressive Denoising},
  author={Zhu, Yixuan},
  booktitle={arxiv},
  year={2025}
}
@article{chen2024diffusion,
  title={Same key again},
  year={2024}
}
@article{again,
  title={Diffusion Forcing: Next-Token Prediction Meets Full-Sequence Diffusion},
  author={Chen, Boyuan},
  year={2024}
}
"""


def test_entries_fields_and_lines():
    bib, _ = parse_bibtex(BIB, "x.bib")
    first = bib.entries[0]
    assert (first.key, first.type, first.line, first.end_line) == ("chen2024diffusion", "article", 2, 7)
    assert first.authors == ["Boyuan Chen", "Diego Martí Monsó"]  # 'and others' dropped
    assert first.arxiv == "2407.01392"
    assert bib.entry_at(5) is first and bib.entry_at(1) is None
    by_key = {e.key: e for e in bib.entries}
    assert by_key["diag"].arxiv == "2603.09488"  # from eprint=, version dropped
    assert by_key["anchor"].arxiv == "2603.13405"  # from a url= that holds text
    assert by_key["infinite"].authors == ["Junyi Chen", "Zhoujie Fu", "Xianglong He"]


def test_defects_of_the_bib_itself():
    _, defects = parse_bibtex(BIB, "x.bib")
    assert [str(d) for d in sorted(defects)] == [
        "x.bib:4: bibtex-authors: chen2024diffusion cuts its author list with 'and others' "
        "(list every author)",
        "x.bib:8: bibtex-entry: infinite has no year (add year={...})",
        "x.bib:9: bibtex-authors: infinite separates authors with commas "
        "(separate authors with ' and ')",
        "x.bib:16: bibtex-entry: anchor url is not an https URL: "
        "'arXiv preprint arXiv:2603.13405' (put the arXiv id in eprint= and a link in url=)",
        "x.bib:22: arxiv-link: diag gives arXiv 2603.09488 with a version suffix "
        "(write 2603.09488)",
        "x.bib:25: bibtex-entry: astra mentions arXiv but gives no arXiv id "
        "(add eprint={<id>} and archivePrefix={arXiv})",
        "x.bib:31: duplicate: cite key chen2024diffusion used twice (give each entry its own key)",
        "x.bib:35: duplicate: again repeats chen2024diffusion (line 2) (keep one entry)",
    ]


def test_split_authors_keeps_braced_and():
    assert split_authors(r"{Barnes and Noble} and Smith, John") == ["Barnes and Noble", "John Smith"]


def test_drafts_one_per_paper_with_month_from_the_id():
    bib, _ = parse_bibtex(BIB, "x.bib")
    records = {r["key"]: r for r in drafts(bib)}
    assert sorted(records) == ["anchor-forcing", "astra", "diffusion-forcing", "infinite-forcing",
                               "streaming-autoregressive-video-generation-via-diagonal"]
    assert records["diffusion-forcing"]["date"] == "2024-07"
    assert records["infinite-forcing"]["date"] == ""  # no id, no month: left for a person
    assert all(r["section"] == "" for r in records.values())  # a .bib has no sections


def test_cli(tmp_path, capsys):
    path = tmp_path / "x.bib"
    path.write_text(BIB)
    assert awm(["--root", str(Path(__file__).parent / "fixtures" / "catalog_small"), "import",
                "bibtex", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 9 and out[1].startswith(f"{path}:4: bibtex-authors:")
    assert out[0] == (f"{path}:2: in-catalog: 'Diffusion forcing' is already in the catalog: "
                      "papers/diffusion-forcing.yaml (arXiv 2407.01392); no draft (nothing to "
                      "do, or improve that record)")
