"""The exact softmax against its negative-sampling approximation, on the same data.

The first 2 M words of the text8-format corpus, min_count chosen so the vocabulary has
about 20,000 words; skip-gram trained with the full softmax and with negative sampling,
same walk and dimensions; WS353 and SimLex-999 Spearman for both (the comparison the
seed lecture makes).

    WORDSPACE_DATA=../shared/data python bench/softmax_vs_sgns.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from wordspace import Corpus, SkipGram, SoftmaxSkipGram, datasets
from wordspace._io import decompressing_reader
from wordspace.evaluate import word_similarity
from wordspace.train import TrainingDiverged


def first_words(n: int, out: Path) -> Path:
    """The corpus's first ``n`` words, one line (text8 is one line already)."""
    with open(datasets.path("text8"), "rb") as raw, decompressing_reader(raw) as f:
        words = f.read(n * 8).split()[:n]
    out.write_bytes(b" ".join(words))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--vocabulary", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--softmax-alpha", type=float, default=None,
                        help="the softmax's learning rate (default: the model's)")
    parser.add_argument("--softmax-workers", type=int, default=None,
                        help="the softmax's threads (default: the model's, one)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="SGNS threads (the softmax takes one: BLAS uses every core)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = first_words(args.words, Path(tmp) / "head.txt")
        counts = Corpus(path, min_count=1, cache=False, progress=False).vocab.counts
        min_count = int(np.sort(counts)[::-1][min(args.vocabulary, len(counts)) - 1])
        corpus = Corpus(path, min_count=min_count, cache=False, progress=False)
    print(f"first {args.words:,} words, min_count {min_count}: {len(corpus.vocab):,} words; "
          f"dim 100, window 5, sample 1e-4, {args.epochs} epochs; SGNS on {args.workers} "
          f"threads, the softmax on one (its matrix products use every core)\n")
    print("| model | train time | words/s | final loss | WS353 | SimLex-999 |")
    print("|---|---|---|---|---|---|")
    common = dict(dim=100, window=5, sample=1e-4, epochs=args.epochs, seed=1, progress=False)
    given = {k: v for k, v in (("alpha", args.softmax_alpha),
                               ("workers", args.softmax_workers)) if v is not None}
    softmax = SoftmaxSkipGram(**given, **common)
    label = (f"skip-gram, full softmax (alpha {softmax.alpha:g}, "
             f"{args.softmax_workers or 'default'} worker(s))")
    for name, model in [(label, softmax),
                        ("skip-gram, negative sampling (5)",
                         SkipGram(workers=args.workers, **common))]:
        try:
            model.fit(corpus)
        except TrainingDiverged as e:  # a rate sweep reports it and goes on
            print(f"| {name} | diverged: {e} | | | | |", flush=True)
            continue
        r = model.report_
        wps = r.words_per_second
        rate = f"{wps / 1e6:.2f} M" if wps >= 1e5 else f"{wps / 1e3:.1f} k"
        print(f"| {name} | {r.seconds:.1f} s | {rate} | "
              f"{r.loss:.3f} | {word_similarity(model.vectors, 'ws353').spearman:.3f} | "
              f"{word_similarity(model.vectors, 'simlex999').spearman:.3f} |", flush=True)


if __name__ == "__main__":
    main()
