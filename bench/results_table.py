"""The README's results table: wordspace models on the text8-format corpus.

Trains each configuration on the same corpus (read once), times it, and evaluates it
with ``wordspace.evaluate`` (WS353 and SimLex-999 Spearman, Google analogies by 3CosAdd
over the 30,000 most frequent words). Prints a Markdown table.

    WORDSPACE_DATA=../shared/data python bench/results_table.py [--epochs 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import os

from wordspace import CBOW, Corpus, SkipGram
from wordspace.evaluate import evaluate

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-4, seed=1)
MODELS = {
    "SGNS, shared negatives (default)": (SkipGram, dict(shared_negatives=True)),
    "SGNS, per pair (word2vec.c's update)": (SkipGram, dict(shared_negatives=False)),
    "CBOW (alpha 0.05)": (CBOW, dict()),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()

    corpus = Corpus("text8", min_count=5, progress=False)
    print(f"corpus {corpus.name}: {corpus.n_tokens:,} tokens; dim 100, window 5, negative 5, "
          f"sample 1e-4, min_count 5, {args.epochs} epochs, {args.workers} threads\n")
    print("| model | train time | words/s | WS353 | SimLex-999 | Google analogy |")
    print("|---|---|---|---|---|---|")
    for name, (cls, extra) in MODELS.items():
        model = cls(**SETTINGS, **extra, epochs=args.epochs, workers=args.workers,
                    progress=False).fit(corpus)
        r = evaluate(model, ["ws353", "simlex999", "google"])["cosine"]
        print(f"| {name} | {model.report_.seconds:.1f} s | "
              f"{model.report_.words_per_second / 1e6:.2f} M | {r['ws353']['spearman']:.3f} | "
              f"{r['simlex999']['spearman']:.3f} | "
              f"{100 * r['google/3cosadd']['accuracy']:.1f} % |", flush=True)


if __name__ == "__main__":
    main()
