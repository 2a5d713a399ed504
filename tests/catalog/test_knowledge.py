"""Results, compute and open: what catalog.json, the README and the comparisons make of them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from catalog.checks import run_checks
from catalog.loader import load_catalog
from catalog.render import render_all

VALID = ("complete.yaml", "derived.yaml")  # the knowledge fixture's records that pass


@pytest.fixture
def knowledge_root(tmp_path: Path, fixtures_dir: Path) -> Path:
    """The good fixture catalog plus the two valid knowledge records."""
    root = tmp_path / "repo"
    shutil.copytree(fixtures_dir / "good", root)
    for name in VALID:
        shutil.copy2(fixtures_dir / "knowledge" / "papers" / name, root / "papers" / name)
    return root


def test_catalog_json_carries_results_compute_open_and_the_vocabulary(knowledge_root, repo_root,
                                                                       today):
    catalog = load_catalog(knowledge_root)
    assert run_checks(catalog, today) == []
    data = json.loads(render_all(catalog)["catalog.json"])
    schema = json.loads((repo_root / "catalog" / "catalog.schema.json").read_text())
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == 2
    paper = {p["key"]: p for p in data["papers"]}["complete"]
    assert paper["results"][0] == {
        "benchmark": "vbench-total", "value": 84.31, "source": "fixture, Table 1",
        "setting": {"resolution": "832x480", "frames": 81, "steps": 4, "prompts": "extended",
                    "dataset": None, "seeds": 5, "note": None}}
    assert paper["compute"]["throughput"] == {"fps": 17.0, "hardware": "1x H100",
                                              "resolution": "832x480", "note": None,
                                              "source": "fixture, Table 1"}
    assert paper["open"]["licence"] == "Apache-2.0"
    alpha = {p["key"]: p for p in data["papers"]}["alpha"]
    assert (alpha["results"], alpha["compute"], alpha["open"]) == ([], None, None)
    vocabulary = {b["key"]: b for b in data["benchmarks"]}
    assert vocabulary["vbench-total"]["results"] == 1
    assert vocabulary["fvd-ucf101"]["results"] == 1
    assert vocabulary["psnr"]["results"] == 0
    assert vocabulary["vbench-total"]["url"].startswith("https://")


# --- comparisons and the streaming table ------------------------------------------------------

@pytest.fixture
def streaming_catalog(fixtures_dir):
    return load_catalog(fixtures_dir / "knowledge-streaming")


def test_numbers_are_ranked_only_within_one_setting(streaming_catalog):
    from catalog.compare import comparisons
    by_key = {c.benchmark.key: c for c in comparisons(streaming_catalog)}
    assert list(by_key) == ["vbench-total", "psnr"]  # vocabulary order, only those with numbers
    vbench = by_key["vbench-total"]
    assert [(g.setting, g.comparable, [e.paper.key for e in g.entries]) for g in vbench.groups] == [
        ("extended prompts", True, ["grandchild", "wan-student"]),  # higher is better: 84.9 first
        ("original prompts", False, ["hunyuan-fast"])]
    psnr = by_key["psnr"]
    assert [(g.setting, [e.result.value for e in g.entries]) for g in psnr.groups] == [
        ("Dataset A", [21.9, 20.5]), ("Dataset B", [25.0])]
    assert vbench.count == 3 and psnr.count == 3


def test_lower_is_better_ranks_the_smallest_first(knowledge_root):
    from catalog.compare import comparisons
    (knowledge_root / "papers" / "other.yaml").write_text(
        'key: other\nname: Other\ntitle: "Other: FVD"\ndate: "2025-01"\n'
        "section: algorithm/foundations\nresults:\n  - benchmark: fvd-ucf101\n    value: 120\n"
        "    setting: {dataset: UCF-101 test split, note: 16 frames}\n    source: Table 9\n",
        encoding="utf-8")
    fvd = {c.benchmark.key: c for c in comparisons(load_catalog(knowledge_root))}["fvd-ucf101"]
    assert [e.result.value for e in fvd.groups[0].entries] == [120, 250]


def test_a_note_is_shown_not_compared_and_an_unstated_setting_comes_last(knowledge_root):
    from catalog.compare import comparisons
    for key, value, setting in (("noted", 83.5, "{note: variant A, resolution: 832x480, "
                                 "frames: 81, steps: 4, prompts: extended, seeds: 5}"),
                                ("unstated", 86.0, "{note: as the README gives it}")):
        (knowledge_root / "papers" / f"{key}.yaml").write_text(
            f'key: {key}\nname: {key.title()}\ntitle: "{key.title()}: VBench"\n'
            'date: "2025-01"\nsection: algorithm/foundations\nresults:\n'
            f"  - benchmark: vbench-total\n    value: {value}\n    setting: {setting}\n"
            "    source: Table 1\n", encoding="utf-8")
    vbench = {c.benchmark.key: c for c in comparisons(load_catalog(knowledge_root))}[
        "vbench-total"]
    assert [(g.setting, g.recorded, g.comparable, [e.paper.key for e in g.entries])
            for g in vbench.groups] == [
        ("832x480, 81 frames, 4 steps, extended prompts, 5 seeds", True, True,
         ["complete", "noted"]),  # the note differs; the setting is the same: ranked together
        ("", False, False, ["unstated"])]  # 86.0 is higher, but its setting is unknown


def test_streaming_rows_carry_speed_quality_size_and_the_filters(streaming_catalog):
    from catalog.compare import streaming_rows
    rows = {r.paper.key: r for r in streaming_rows(streaming_catalog)}
    assert list(rows) == ["hunyuan-fast", "wan-student", "grandchild", "latency-only"]
    student, child, fast, lat = (rows[k] for k in ("wan-student", "grandchild", "hunyuan-fast",
                                                   "latency-only"))
    assert (student.fps, student.fps_hardware, student.fps_resolution, student.latency) == \
        (17, "1x H100", "832x480", 0.69)
    assert (student.fits_24gb, child.fits_24gb, fast.fits_24gb, lat.fits_24gb) == \
        (True, False, True, None)
    # built on Wan: by name, and through a base that is a catalog record
    assert (student.wan, child.wan, fast.wan, lat.wan) == (True, True, False, False)
    assert (child.base_key, student.base_key) == ("wan-student", None)
    # weights from open.weights or links.weights
    assert student.weights == "https://huggingface.co/example/wan-student"
    assert fast.weights == "https://huggingface.co/example/hunyuan-fast" and child.weights is None
    # the VBench total of another prompt set than most rows is not comparable
    assert (student.quality_status, child.quality_status, fast.quality_status,
            lat.quality_status) == ("comparable", "comparable", "other", None)
    assert lat.quality is None and lat.fps is None


def test_the_scatter_plot_places_points_on_its_axes(streaming_catalog):
    from catalog.compare import scatter, streaming_rows
    plot = scatter(streaming_rows(streaming_catalog))
    by_key = {p.row.paper.key: p for p in plot.points}
    assert sorted(by_key) == ["grandchild", "hunyuan-fast", "wan-student"]  # no VBench: left out
    assert [label for _, label in plot.x_ticks] == ["0", "10", "20", "30"]
    assert [label for _, label in plot.y_ticks] == ["83", "83.5", "84", "84.5", "85"]
    # faster is further right, better is higher up (smaller y)
    assert by_key["grandchild"].x < by_key["wan-student"].x < by_key["hunyuan-fast"].x
    assert by_key["grandchild"].y < by_key["wan-student"].y < by_key["hunyuan-fast"].y
    assert plot.x_ticks[0][0] == plot.left and by_key["hunyuan-fast"].x == plot.x_ticks[-1][0]
    assert scatter(streaming_rows(streaming_catalog)[:1]) is None


def test_readme_has_the_streaming_table_only_from_records_with_numbers(streaming_catalog,
                                                                      good_root):
    from catalog.render.readme import render_readme
    readme = render_readme(streaming_catalog)
    table = readme.split("## Real-time streaming at a glance", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0].startswith("| Model | FPS | Hardware |")
    assert [r.split(" | ")[0] for r in rows[1:]] == ["| Hunyuan Fast", "| Wan Student",
                                                     "| Grandchild", "| Latency Only"]
    assert "| Wan Student | 17 | 1x H100 | 832x480 | 0.69 | 84.31 | 1.3 | Wan2.1-T2V-1.3B | " \
           "[weights](https://huggingface.co/example/wan-student) |" in table
    assert "| Grandchild | 5.5 | 1x A100 |  |  | 84.9 | 1.3 | Wan Student |  |" in table
    assert "83 \\(not comparable: original prompts\\)" in table
    assert "- [Real-time streaming at a glance](#real-time-streaming-at-a-glance)" in readme
    assert "Real-time streaming at a glance" not in render_readme(load_catalog(good_root))


def test_record_text_in_the_comparisons_is_escaped(tmp_path, fixtures_dir):
    """Markup in a hardware or source is refused by the checks, and escaped if built anyway."""
    from catalog.render.readme import render_readme
    from catalog.site.pages import render_pages
    root = tmp_path / "repo"
    shutil.copytree(fixtures_dir / "knowledge-streaming", root)
    record = root / "papers" / "hunyuan-fast.yaml"
    record.write_text(record.read_text().replace(
        'hardware: "8x H100"', "hardware: '8x H100 <script>window.__pwned=1</script>'").replace(
        'source: "fixture, abstract"', "source: '<img src=x onerror=alert(1)> | ](javascript:x)'"),
        encoding="utf-8")
    catalog = load_catalog(root)
    assert any("has an HTML tag" in str(f) for f in run_checks(catalog))
    readme = render_readme(catalog)
    assert "<script>" not in readme and "&lt;script&gt;" in readme
    pages = render_pages(catalog)
    streaming = pages["generated/compare/streaming.md"]
    assert "<script>" not in streaming and "<img" not in streaming
    assert "8x H100 &lt;script&gt;window.__pwned=1&lt;/script&gt;" in streaming
    assert "&lt;img src=x onerror=alert(1)&gt;" in streaming
    paper = pages["generated/papers/hunyuan-fast.md"]
    assert "<script>" not in paper and "&lt;script&gt;" in paper


def test_site_pages_show_the_comparisons_and_the_paper_parts(streaming_catalog):
    from catalog.site.pages import render_pages
    pages = render_pages(streaming_catalog)
    assert {"generated/compare/index.md", "generated/compare/streaming.md",
            "generated/compare/vbench-total.md", "generated/compare/psnr.md"} <= set(pages)
    assert "generated/compare/fid.md" not in pages  # no numbers, no page
    vbench = pages["generated/compare/vbench-total.md"]
    assert vbench.index("Setting: extended prompts") < vbench.index("Setting: original prompts")
    assert vbench.count("not comparable with the first table") == 1
    streaming = pages["generated/compare/streaming.md"]
    assert streaming.count("<tr data-key=") == 4
    assert '<tr data-key="grandchild" data-open-weights="no" data-fits-24gb="no" ' \
           'data-wan="yes">' in streaming
    assert "<svg" in streaming and "Protocols differ" in streaming
    student = pages["generated/papers/wan-student.md"]
    for shown in ("Reported results", "84.31 % (higher is better)", "extended prompts",
                  "fixture, Table 1", "17 frames/s on 1x H100 at 832x480", "Apache-2.0",
                  'href="https://huggingface.co/example/wan-student"',
                  'href="../compare/vbench-total.html"'):
        assert shown in student, shown
    assert '<a href="wan-student.html">Wan Student</a>' in pages["generated/papers/grandchild.md"]
    fast = pages["generated/papers/hunyuan-fast.md"]  # open gives the licence, links the weights
    open_part = fast[fast.index("\n## Open\n"):]  # a Markdown heading: the contents list it
    assert "<strong>Licence:</strong> MIT" in open_part
    assert '<a href="https://huggingface.co/example/hunyuan-fast">' in open_part
    assert "<strong>Code:</strong> not recorded" in open_part
    assert "\n## Open\n" not in pages["generated/papers/grandchild.md"]
