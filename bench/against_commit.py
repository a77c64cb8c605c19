"""This working tree against an earlier commit: training speed and quality, model by model.

The earlier commit is checked out in a temporary ``git worktree``; both trees train the
same models on the same data, each run in a fresh process that imports wordspace from
its tree, the runs interleaved (before, after, before, after, ...) so that the noise of
this shared host falls on both alike. Reported per model: the median training words/s
of each tree, their ratio, and the quality of the last run of each (WS353 Spearman ρ and
Google analogy accuracy for word models; 5-fold topic accuracy on BBC News for PV-DBOW's
document vectors). PPMI + SVD, which has no epochs, reports its fit time (counting and
SVD) beside the words/s that makes. A first, untimed run per tree and model compiles the
kernels for the very array types the timed runs use (Numba caches them in each tree) and
fills the corpus cache, so neither compilation nor reading is ever timed.

    WORDSPACE_DATA=../shared/data .venv/bin/python bench/against_commit.py --base HEAD~1 \\
        [--models sgns cbow gaussian pv-dbow ppmi-svd] [--words 4000000] [--repeats 3] \\
        [--workers 2]

With several workers, Hogwild's races make the vectors, and so the quality figures, vary
from run to run even for identical code; with ``--workers 1`` the same code trains the
same vectors, so any quality difference is the change's, and the script says whether the
two trees' vectors are bit-identical (PPMI + SVD's always: it has no workers).

The word models read the first ``--words`` words of the text8-format corpus
(``corpora/enwiki2015-text8.gz``); PV-DBOW reads BBC News (``docs/bbc.jsonl.gz``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import DATA, ROOT, earlier_tree, text8_words

WORD_MODELS = {"sgns": "SkipGram", "cbow": "CBOW", "gaussian": "GaussianSkipGram",
               "fasttext": "FastText", "ppmi-svd": "PPMISVD"}
#: the models whose vectors the same code makes the same whatever --workers
DETERMINISTIC = ("ppmi-svd",)
#: what a worker reports of its run's time (medians are printed), not of its quality
TIMINGS = ("words_per_second", "seconds", "svd_seconds")
MODELS = [*WORD_MODELS, "pv-dbow"]


# -- the worker: one training run in the tree on PYTHONPATH --------------------------------
def work(model: str, corpus: str, workers: int, epochs: int) -> dict:
    """Train ``model`` once with wordspace as imported (this process's tree); return
    words/s and quality."""
    import logging

    import numpy as np

    import wordspace
    from wordspace.evaluate import analogies, word_similarity

    logging.disable(logging.WARNING)
    settings = dict(seed=1, progress=False) if model == "ppmi-svd" else \
        dict(workers=workers, seed=1, progress=False, epochs=epochs)
    if model == "pv-dbow":
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        from wordspace.datasets import read_documents

        rows = read_documents(corpus)
        docs = wordspace.Documents([(r["id"], r["text"]) for r in rows], lowercase=True,
                                   token_pattern=r"\w+", min_count=2, progress=False)
        fitted = wordspace.PVDBOW(sample=1e-3, **settings).fit(docs)
        labels = np.array([r["label"] for r in rows])
        quality = {"topic accuracy": float(cross_val_score(
            LogisticRegression(max_iter=2000), fitted.dv.matrix, labels,
            cv=StratifiedKFold(5, shuffle=True, random_state=0)).mean())}
    else:
        from wordspace.datasets import load

        built = wordspace.Corpus(corpus, min_count=5, progress=False)
        fitted = getattr(wordspace, WORD_MODELS[model])(**settings).fit(built)
        quality = {
            "WS353": word_similarity(fitted.vectors, load("ws353")).spearman,
            "Google": analogies(fitted.vectors, load("google")).accuracy}
    report = fitted.report_
    trained = fitted.dv.matrix if model == "pv-dbow" else fitted.vectors.matrix
    # a count model's report has no words trained: the corpus's, once
    words = built.n_tokens if model == "ppmi-svd" else report.words
    return {"tree": str(Path(wordspace.__file__).resolve().parents[2]),
            "words_per_second": words / report.seconds, "seconds": report.seconds,
            **({"svd_seconds": report.svd_seconds} if model == "ppmi-svd" else {}),
            "digest": hashlib.sha256(np.ascontiguousarray(trained).tobytes()).hexdigest(),
            **quality}


# -- the driver ------------------------------------------------------------------------------
def run(tree: Path, args: list[str]) -> dict:
    """One worker process with ``tree``'s wordspace first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run([sys.executable, __file__, "--worker", *args], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"run in {tree} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(result["tree"]) != tree.resolve():
        sys.exit(f"the worker imported wordspace from {result['tree']}, not {tree}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the commit to compare against")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=MODELS)
    parser.add_argument("--words", type=int, default=4_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--worker", nargs=3, metavar=("MODEL", "CORPUS", "WORKERS"),
                        help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.worker:
        model, corpus, workers = a.worker
        print(json.dumps(work(model, corpus, int(workers), a.epochs)))
        return

    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as scratch:
        scratch = Path(scratch)
        os.environ["WORDSPACE_HOME"] = str(scratch / "home")  # a cold, private cache
        with earlier_tree(a.base, scratch / "base") as base:
            text = scratch / "text.txt"
            text.write_text(text8_words(a.words))
            trees = {"before": base, "after": ROOT}
            for model in a.models:
                corpus = str(DATA / "docs/bbc.jsonl.gz") if model == "pv-dbow" else str(text)
                args = [model, corpus, str(a.workers), "--epochs", str(a.epochs)]
                for tree in trees.values():  # untimed: compile, fill the corpus cache
                    run(tree, args)
                results: dict[str, list[dict]] = {name: [] for name in trees}
                for _ in range(a.repeats):
                    for name, tree in trees.items():
                        results[name].append(run(tree, args))
                print_row(model, results, a)


def print_row(model: str, results: dict[str, list[dict]], a) -> None:
    """One model's line: median words/s and fit time before and after, the ratio, and
    quality."""
    speed = {name: statistics.median(r["words_per_second"] for r in runs)
             for name, runs in results.items()}
    times = "  ".join(
        f"{key} {statistics.median(r[key] for r in results['before']):.2f} -> "
        f"{statistics.median(r[key] for r in results['after']):.2f}"
        for key in TIMINGS[1:] if key in results["after"][-1])
    quality = "  ".join(
        f"{key} {results['before'][-1][key]:.3f} -> {results['after'][-1][key]:.3f}"
        for key in results["after"][-1] if key not in ("tree", "digest", *TIMINGS))
    digests = {name: {r["digest"] for r in runs} for name, runs in results.items()}
    same = "" if a.workers > 1 and model not in DETERMINISTIC else "  vectors " + (
        "bit-identical" if digests["before"] == digests["after"] and len(digests["after"]) == 1
        else "DIFFER")
    print(f"{model:<9} words/s {speed['before'] / 1e6:6.3f}M -> {speed['after'] / 1e6:6.3f}M "
          f"(x{speed['after'] / speed['before']:.3f}, median of {a.repeats})  {times}  "
          f"{quality}{same}", flush=True)
    for name, runs in results.items():  # every run, to tell noise from a change
        print(f"{'':<9} {name:<6} " + " ".join(
            f"{r['words_per_second'] / 1e6:.3f}M ({r['seconds']:.2f} s)" for r in runs),
            flush=True)


if __name__ == "__main__":
    main()
