"""One process with 2 threads against two torchrun processes with 1 thread each.

The same two cores do the same work either way, so the ratio of whole-process times is
the cost of distribution itself: launching, the vocabulary's merge, the synchronisation
rounds and the waits at epoch ends. Both train SGNS (dim 100, window 5, negative 5,
sample 1e-4, 5 epochs) from a cold corpus cache on the text8-format corpus, timed from
launch to exit, interleaved ``--repeats`` times (this host is noisy: medians are
reported); both models are scored by the same code (WS353 on the pairs in the
vocabulary, Google analogies by 3CosAdd over the 30,000 most frequent words).

    WORDSPACE_DATA=../shared/data python bench/distributed.py [--words N] [--repeats 2] \\
        [--epochs 5] [--sync-interval 0.05] [--combine sum]

Needs torch (``pip install torch==2.13.0`` here; ``wordspace[distributed]`` elsewhere).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DATA, text8_words
from wordspace import load_model
from wordspace.evaluate import analogies, word_similarity

SETTINGS = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4",
            "--min-count", "5", "--seed", "1", "--quiet", "-v"]
_SYNC = re.compile(r"rank (\d+): ([\d,]+) synchronisation rounds \((\d+) full\), ([\d,.]+) MiB "
                   r"sent \(([\d,.]+) KiB per round\), ([\d.]+) s in rounds")


def timed(cmd: list[str], env: dict) -> tuple[float, str]:
    """Whole-process seconds and standard error of ``cmd`` (which must succeed)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return wall, proc.stderr


def score(model_dir: Path) -> dict:
    vectors = load_model(model_dir).vectors
    google = analogies(vectors, DATA / "analogy/questions-words.txt", restrict_vocab=30000)
    return {"ws353": word_similarity(vectors, DATA / "similarity/ws353.txt").spearman,
            "google": google.accuracy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DATA / "corpora/enwiki2015-text8.gz")
    parser.add_argument("--words", type=int, default=0, help="only the first N words")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sync-interval", type=float, default=None)
    parser.add_argument("--combine", choices=("sum", "average"), default=None)
    parser.add_argument("--sync-rows", type=int, default=None)
    parser.add_argument("--only-distributed", action="store_true",
                        help="skip the single-process run (tuning the synchronisation)")
    parser.add_argument("--alpha", type=float, default=None,
                        help="the distributed run's alpha (default: the model's)")
    parser.add_argument("--rate-scale", type=float, default=None,
                        help="the distributed run's --sync-rate-scale")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus.txt"  # plain: a single compressed file cannot be shared
        if args.words:
            corpus.write_text(text8_words(args.words))
        else:
            with gzip.open(args.corpus, "rb") as src, open(corpus, "wb") as dst:
                shutil.copyfileobj(src, dst)
        common = [*SETTINGS, "--epochs", str(args.epochs)]
        warm = tmp / "warm.txt"
        warm.write_text("the quick brown fox jumps over the lazy dog\n" * 300)
        env = {**os.environ, "WORDSPACE_HOME": str(tmp / "warm-home")}
        timed([sys.executable, "-m", "wordspace", "train", str(warm), "-o", str(tmp / "w"),
               "--min-count", "1", "--sample", "0", "--quiet"], env)  # compile once

        extra = []
        if args.sync_interval is not None:
            extra += ["--sync-interval", str(args.sync_interval)]
        if args.combine is not None:
            extra += ["--sync-combine", args.combine]
        if args.sync_rows is not None:
            extra += ["--sync-rows", str(args.sync_rows)]
        if args.alpha is not None:
            extra += ["--alpha", str(args.alpha)]
        if args.rate_scale is not None:
            extra += ["--sync-rate-scale", str(args.rate_scale)]
        runs = {
            "1 process x 2 threads": [sys.executable, "-m", "wordspace", "train", str(corpus),
                                      *common, "--workers", "2"],
            "2 processes x 1 thread": [sys.executable, "-m", "torch.distributed.run",
                                       "--standalone", "--nproc-per-node", "2", "-m",
                                       "wordspace", "train", str(corpus), *common,
                                       "--workers", "1", *extra],
        }
        if args.only_distributed:
            del runs["1 process x 2 threads"]
        walls: dict[str, list[float]] = {name: [] for name in runs}
        quality: dict[str, list[dict]] = {name: [] for name in runs}
        syncs: list[tuple] = []
        for repeat in range(args.repeats):
            for i, (name, cmd) in enumerate(runs.items()):
                out = tmp / f"model-{i}-{repeat}"
                env = {**os.environ, "WORDSPACE_HOME": str(tmp / f"home-{i}-{repeat}"),
                       "OMP_NUM_THREADS": "1"}
                wall, err = timed([*cmd, "-o", str(out)], env)
                walls[name].append(wall)
                quality[name].append(score(out))
                found = _SYNC.findall(err)
                if found:
                    train = re.search(r"\[rank 0\].*trained [\d,]+ words .* in ([\d.]+) s", err)
                    syncs.append((*next(f for f in found if f[0] == "0"),
                                  float(train.group(1)) if train else float("nan")))
                print(f"{name}, repeat {repeat + 1}: {wall:.1f} s, {quality[name][-1]}",
                      file=sys.stderr, flush=True)

        print(f"\ncorpus: {args.words or 'all'} words of {args.corpus.name}, "
              f"{args.epochs} epochs; medians of {args.repeats} interleaved repeats\n")
        print("| run | whole process (s) | WS353 | Google |")
        print("|---|---:|---:|---:|")
        for name in runs:
            q = quality[name]
            print(f"| {name} | {statistics.median(walls[name]):.1f} | "
                  f"{statistics.median(r['ws353'] for r in q):.3f} | "
                  f"{100 * statistics.median(r['google'] for r in q):.1f} % |")
        if len(walls) == 2:
            one, two = (statistics.median(w) for w in walls.values())
            print(f"\ntime ratio (2 processes / 1 process): {two / one:.3f} (bar: <= 1.25)")
        if syncs:
            _, rounds, full, mib, kib, seconds, train = syncs[-1]
            rounds = int(rounds.replace(",", ""))
            sent = float(mib.replace(",", "")) * 2**20
            print(f"rank 0's synchronisation (last run): {rounds:,} rounds ({full} full), "
                  f"{sent / 2**20:,.1f} MiB sent, {float(kib.replace(',', '')):,.1f} KiB "
                  f"per round, {sent / train / 2**20:,.2f} MiB/s over {train:.1f} s of "
                  f"training, {float(seconds):.1f} s in rounds")


if __name__ == "__main__":
    main()
