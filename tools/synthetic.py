"""A synthetic catalog: N random, valid paper records in a folder, for benchmarks.

    python tools/synthetic.py 10000 /tmp/catalog-10k     # writes /tmp/catalog-10k/papers/*.yaml

Every record passes `awm check`: unique keys, arXiv ids, titles and code URLs; sections and tags
from the real taxonomy; builds_on only names earlier papers (so no cycle); dates in the past.
The same N and seed give the same files. The folder also gets catalog/taxonomy.yaml (a copy of
the real one), so ``load_catalog(folder)`` loads it as a repository root.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog.loader import load_taxonomy  # noqa: E402

WORDS = ("causal diffusion forcing streaming world model video autoregressive memory action "
         "latent long horizon real time distillation cache sparse attention frame chunk rollout "
         "interactive scalable consistent camera physics game agent policy egocentric").split()


def synthetic_record(i: int, rng: random.Random, sections: list[str], tags: list[str]) -> dict:
    year = 2018 + i % 8  # 2018..2025: in the past, ids of the 5-digit era
    month = 1 + (i // 8) % 12
    words = rng.sample(WORDS, 5)
    key = f"{'-'.join(words[:2])}-{i}"
    record = {
        "key": key,
        "name": f"{words[0].title()}{words[1].title()} {i}",
        "title": f"{' '.join(w.title() for w in words)}: Synthetic Paper Number {i}",
        "authors": [f"Author {rng.randrange(5000)} Surname{rng.randrange(5000)}"
                    for _ in range(rng.randint(1, 8))],
        "date": f"{year}-{month:02d}",
        "venue": rng.choice([None, f"NeurIPS {year}", f"CVPR {year}", f"ICLR {year}"]),
        "arxiv": f"{year % 100:02d}{month:02d}.{i:05d}",
        "links": {"project": f"https://example.org/projects/{key}/",
                  "code": f"https://github.com/synthetic/{key}"},
        "section": rng.choice(sections),
        "tags": sorted(rng.sample(tags, rng.randint(0, 4))),
        "builds_on": [],
        "summary": "A synthetic record generated for benchmarks; it describes no real paper.",
    }
    return {k: v for k, v in record.items() if v is not None}


def make_catalog(dest: Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` records under ``dest/papers`` (emptied first); return ``dest``."""
    dest = Path(dest)
    papers = dest / "papers"
    if papers.exists():
        shutil.rmtree(papers)
    papers.mkdir(parents=True)
    (dest / "catalog").mkdir(exist_ok=True)
    shutil.copy(ROOT / "catalog" / "taxonomy.yaml", dest / "catalog" / "taxonomy.yaml")
    taxonomy = load_taxonomy(ROOT / "catalog" / "taxonomy.yaml")
    sections, tags = list(taxonomy.sections), sorted(taxonomy.tags)
    rng = random.Random(seed)
    keys: list[str] = []
    # builds_on names only papers already written, in date order: lineage points back in time
    records = [synthetic_record(i, rng, sections, tags) for i in range(n)]
    records.sort(key=lambda r: (r["date"], r["key"]))
    for record in records:
        if keys and rng.random() < 0.6:
            record["builds_on"] = sorted(set(rng.sample(keys, min(len(keys), rng.randint(1, 3)))))
        keys.append(record["key"])
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=100)
        (papers / f"{record['key']}.yaml").write_text(text, encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of papers")
    parser.add_argument("dest", type=Path, help="folder to write (its papers/ is replaced)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    make_catalog(args.dest, args.n, args.seed)
    print(f"wrote {args.n} records to {args.dest / 'papers'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
