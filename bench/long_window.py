"""Skip-gram at a long window: shared negatives (blocked) against per pair, and CBOW.

Trains each update on the same words of the text8-format corpus (``--skip`` words in,
``--words`` long) at ``--window``, then reports the last epoch's loss per pair, the
largest input and output vector norms, WS353 Spearman and the time. The harness behind
the long-window table in docs/sgns.md (the figures there: ``--window 200``, 2 M words
from the start and from 4.4 M words in, ``--skip 4408729``; one epoch, two threads).

    WORDSPACE_DATA=../shared/data python bench/long_window.py [--window 200] [--words 2000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import DATA, text8_words
from wordspace import CBOW, Corpus, SkipGram
from wordspace.evaluate import word_similarity
from wordspace.train import TrainingDiverged, format_loss

UPDATES = {"shared": dict(shared_negatives=True), "pair": dict(shared_negatives=False),
           "cbow": {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=int, default=200)
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--skip", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--updates", nargs="+", default=list(UPDATES), choices=list(UPDATES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as tmp:
        path = Path(tmp) / "words.txt"
        path.write_text(text8_words(args.words, skip=args.skip))
        corpus = Corpus(path, min_count=5, progress=False)
        print(f"{corpus.n_tokens:,} words from {args.skip:,}, window {args.window}, "
              f"{args.epochs} epoch(s), {args.workers} threads\n")
        print("| update | loss per pair | largest input norm | largest output norm | WS353 | s |")
        print("|---|---|---|---|---|---|")
        for name in args.updates:
            common = dict(dim=100, window=args.window, epochs=args.epochs, workers=args.workers,
                          progress=False)
            model = CBOW(**common) if name == "cbow" else SkipGram(**common, **UPDATES[name])
            start = time.perf_counter()
            try:
                model.fit(corpus)
            except TrainingDiverged as e:  # reported as a row, the others still run
                print(f"| {name} | diverged: {e} | | | | {time.perf_counter() - start:.0f} |")
                continue
            seconds = time.perf_counter() - start
            ws = word_similarity(model.vectors, DATA / "similarity" / "ws353.txt")
            norms = [np.linalg.norm(m, axis=1).max()
                     for m in (model.input_vectors_, model.output_vectors_)]
            print(f"| {name} | {format_loss(model.report_.loss)} | {norms[0]:.3g} | "
                  f"{norms[1]:.3g} | {ws.spearman:.3f} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
