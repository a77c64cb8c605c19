"""``make demo``: train skip-gram on a real corpus, then show what the vectors know.

Reads the text8-format corpus from the data mirror named by ``WORDSPACE_DATA``
(``corpora/enwiki2015-text8.gz``; dataset downloads come with ``wordspace data``),
trains with the defaults, evaluates on WS353, SimLex-999 and the Google analogies when
those files are in the mirror, and prints neighbours and analogies.

    python -m wordspace.demo [--out demo] [--epochs 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from wordspace import Corpus, SkipGram
from wordspace.evaluate import analogies, word_similarity

CORPUS = "corpora/enwiki2015-text8.gz"
NEIGHBOURS = ["france", "king", "computer", "music", "einstein", "water"]
ANALOGIES = [("man", "king", "woman"), ("france", "paris", "germany"),
             ("big", "bigger", "small")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("demo"), help="where to write")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    data = Path(os.environ.get("WORDSPACE_DATA", ""))
    corpus_path = data / CORPUS
    if not os.environ.get("WORDSPACE_DATA") or not corpus_path.is_file():
        print(f"wordspace demo: the corpus {CORPUS} was not found under WORDSPACE_DATA="
              f"{os.environ.get('WORDSPACE_DATA', '(unset)')!s}.\n"
              "Set WORDSPACE_DATA to a data mirror holding it (here: ../shared/data).",
              file=sys.stderr)
        return 2

    start = time.perf_counter()
    print(f"corpus: {corpus_path} (a text8-format stand-in: Wikipedia 2015, 17 M words)")
    corpus = Corpus(corpus_path, min_count=5)
    print(f"  {corpus.n_tokens:,} tokens, vocabulary of {len(corpus.vocab):,} words")
    model = SkipGram(dim=100, window=5, negative=5, sample=1e-4, epochs=args.epochs, seed=1)
    model.fit(corpus)
    r = model.report_
    print(f"trained skip-gram in {r.seconds:.1f} s ({r.words_per_second / 1e6:.2f} M words/s), "
          f"{time.perf_counter() - start:.1f} s with reading")
    model_dir = args.out / "model"
    model.save(model_dir)
    vectors_file = args.out / "vectors.bin"
    model.vectors.save_word2vec_format(vectors_file, binary=True)
    print(f"model directory: {model_dir.resolve()}\nword2vec binary: {vectors_file.resolve()}")

    v = model.vectors
    print("\nnearest neighbours")
    for word in NEIGHBOURS:
        print(f"  {word:<10} " + ", ".join(w for w, _ in v.most_similar(word, topn=6)))
    print("\nanalogies (a : b :: c : ?)")
    for a, b, c in ANALOGIES:
        answer = ", ".join(f"{w} ({s:.2f})" for w, s in v.analogy(a, b, c, topn=3))
        print(f"  {a} : {b} :: {c} : {answer}")

    print("\nevaluation")
    for name, rel in [("WS353", "similarity/ws353.txt"),
                      ("SimLex-999", "similarity/simlex999.txt")]:
        if (data / rel).is_file():
            s = word_similarity(v, data / rel)
            print(f"  {name:<28} Spearman {s.spearman:.3f}  ({s.pairs} pairs, "
                  f"{100 * s.coverage:.0f}% covered)")
    if (data / "analogy/questions-words.txt").is_file():
        g = analogies(v, data / "analogy/questions-words.txt", restrict_vocab=30000)
        print(f"  {'Google analogies (3CosAdd)':<28} {100 * g.accuracy:.1f}%  "
              f"(semantic {100 * g.subset(True):.1f}%, syntactic {100 * g.subset(False):.1f}%; "
              f"{g.total:,} questions, {g.skipped:,} skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
