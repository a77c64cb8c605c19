"""phrases[sentence] on a stream of sentences (gensim's idiom), in this tree: the Python
join that transform's compiled kernel does not serve. Learns a table on the first
``--words`` words of the text8-format corpus cut into sentences of 50, then times
joining every sentence one call at a time (best of 3). Run it with each tree's
``src`` on PYTHONPATH to compare two commits.

    WORDSPACE_DATA=../shared/data PYTHONPATH=src python bench/phrases_join.py \\
        [--words 1000000]
"""

from __future__ import annotations

import argparse
import time

from _common import text8_words
from wordspace import Phrases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    words = text8_words(args.words).split()
    sentences = [words[i:i + 50] for i in range(0, len(words), 50)]
    phrases = Phrases(sentences, progress=False)
    best = []
    for _ in range(3):
        start = time.perf_counter()
        for sentence in sentences:
            phrases[sentence]
        best.append(time.perf_counter() - start)
    print(f"{len(sentences):,} sentences of 50 words, {len(phrases):,} phrases: "
          f"{min(best):.3f} s (best of 3), {min(best) / len(sentences) * 1e6:.1f} us a sentence")


if __name__ == "__main__":
    main()
