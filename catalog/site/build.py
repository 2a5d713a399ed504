"""Write the generated pages into a docs dir and run the site engine (MkDocs or Zensical).

The repository's own build uses ``site/`` and ``build/site`` as ``mkdocs.yml`` says. Tests and
the benchmark build elsewhere: they pass ``docs_dir``/``site_dir``, the hand-written part of
``site/`` is copied there and a copy of ``mkdocs.yml`` pointing at them is used.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from catalog.model import Catalog
from catalog.render.files import write_atomic

from .pages import GEN, copy_plan, render_pages, section_page

HOME = "index.md"  # generated, at the docs root (git-ignored)
FEED = "feed.xml"  # the Atom feed, at the docs root too
AT_ROOT = (HOME, FEED)


class _ConfigLoader(yaml.SafeLoader):
    """The safe loader plus the one tag mkdocs.yml uses, ``!ENV NAME`` or ``!ENV [NAME, ...,
    default]``: the first variable set, else the default (else None), as MkDocs and Zensical
    read it."""


def _env(loader: yaml.SafeLoader, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    elif isinstance(node, yaml.SequenceNode) and node.value:
        *named, last = node.value
        names = [loader.construct_scalar(n) for n in named] if named else [
            loader.construct_scalar(last)]
        default = loader.construct_object(last) if named else None
    else:
        raise yaml.constructor.ConstructorError(None, None, "!ENV takes a name or a list",
                                                node.start_mark)
    return next((os.environ[n] for n in names if n in os.environ), default)


_ConfigLoader.add_constructor("!ENV", _env)


def read_config(root: Path) -> dict:
    """mkdocs.yml as data, its ``!ENV`` values resolved from the environment."""
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)


def _nav_pages(nav) -> set[str]:
    out = set()
    for item in nav or []:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        out |= _nav_pages(value) if isinstance(value, list) else {value}
    return out


def nav_problems(config: dict, catalog: Catalog) -> list[str]:
    """One line per taxonomy page that mkdocs.yml's nav does not list."""
    listed = _nav_pages(config.get("nav"))
    wanted = []
    for area in catalog.taxonomy.areas:
        wanted.append(f"{GEN}/{area['id']}/index.md")
        wanted += [section_page(s.id) for s in area["sections"]]
    return [f"mkdocs.yml: nav does not list {page} (add it under its area)"
            for page in wanted if page not in listed]


def _read_inputs(root: Path, catalog: Catalog) -> tuple[str | None, dict[str, str]]:
    contributing = root / "CONTRIBUTING.md"
    readmes = {}
    for card in catalog.reproductions.values():
        readme = root / "reproductions" / str(card.get("folder", "")) / "README.md"
        if card.get("folder") and readme.is_file():
            readmes[card["folder"]] = readme.read_text(encoding="utf-8")
    return (contributing.read_text(encoding="utf-8") if contributing.is_file() else None), readmes


def write_pages(catalog: Catalog, root: Path, docs_dir: Path, repo_url: str | None = None) -> int:
    """Render every page and swap them into ``docs_dir/generated`` at once. Returns the count."""
    contributing, readmes = _read_inputs(root, catalog)
    pages = render_pages(catalog, contributing, readmes, repo_url)
    docs_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".generated-", dir=docs_dir))
    try:
        for rel, body in pages.items():
            if rel in AT_ROOT:
                continue
            path = staging / Path(rel).relative_to(GEN)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        for src, rel in copy_plan(catalog, root):
            dest = staging / Path(rel).relative_to(GEN)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        old = docs_dir / GEN
        if old.exists():
            retired = docs_dir / f".retired-{os.getpid()}"
            os.replace(old, retired)
            shutil.rmtree(retired)
        os.replace(staging, old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for rel in AT_ROOT:
        write_atomic(docs_dir / rel, pages[rel])
    return len(pages)


def prepare(catalog: Catalog, root: Path, docs_dir: Path | None = None,
            site_dir: Path | None = None) -> Path:
    """Generate the pages; return the config file to build with."""
    config = read_config(root)
    problems = nav_problems(config, catalog)
    if problems:
        raise SystemExit("\n".join(problems))
    if docs_dir is None:
        write_pages(catalog, root, root / config["docs_dir"], config.get("repo_url"))
        return root / "mkdocs.yml"
    docs_dir, site_dir = Path(docs_dir).resolve(), Path(site_dir or docs_dir.parent / "out")
    source = root / config["docs_dir"]

    def generated(folder, names):  # what write_pages writes, at the top level only
        top = Path(folder) == source
        return [n for n in names if n.startswith(".") or (top and n in (GEN, *AT_ROOT))]
    shutil.copytree(source, docs_dir, dirs_exist_ok=True, ignore=generated)
    write_pages(catalog, root, docs_dir, config.get("repo_url"))
    # relative to the config file: Zensical 0.0.73 panics on absolute paths here
    config.update(docs_dir=docs_dir.name,
                  site_dir=os.path.relpath(Path(site_dir).resolve(), docs_dir.parent))
    theme = config.get("theme") or {}
    if theme.get("custom_dir"):  # the theme overrides stay in the repository
        theme["custom_dir"] = os.path.relpath(root.resolve() / theme["custom_dir"], docs_dir.parent)
    path = docs_dir.parent / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def engine_command(engine: str, action: str, config: Path, port: int = 8000) -> list[str]:
    """The command line that builds (strict) or serves the site with the chosen engine."""
    if engine == "zensical":
        exe = shutil.which("zensical") or str(Path(sys.executable).with_name("zensical"))
        return [exe, action, "-f", str(config)] + (["--strict"] if action == "build" else
                                                   ["-a", f"127.0.0.1:{port}"])
    cmd = [sys.executable, "-m", "mkdocs", action, "-f", str(config)]
    return cmd + (["--strict"] if action == "build" else ["-a", f"127.0.0.1:{port}"])


def build_site(catalog: Catalog, root: Path, docs_dir: Path | None = None,
               site_dir: Path | None = None, engine: str = "mkdocs",
               capture: bool = False) -> subprocess.CompletedProcess:
    """Generate and build. With ``capture`` the engine's output is returned, not printed."""
    return run_engine(prepare(catalog, root, docs_dir, site_dir), engine, capture)


def run_engine(config: Path, engine: str = "mkdocs", capture: bool = False
               ) -> subprocess.CompletedProcess:
    """Build the prepared site (strict)."""
    return subprocess.run(engine_command(engine, "build", config), cwd=config.parent,
                          capture_output=capture, text=True, env=engine_env())


def engine_env() -> dict:
    """The engine's environment, without Material's end-of-life banner on every build."""
    return dict(os.environ, NO_MKDOCS_2_WARNING="1")
