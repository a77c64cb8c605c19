"""Phrase detection: wordspace's ``Phrases`` against gensim's on the same token lists.

The first ``--words`` words of the text8-format corpus, cut into sentences of 10,000
words (as ``Corpus`` cuts text8's one line; ``--sentence-words``), learned by each tool
``--repeats`` times, with gensim's ``max_vocab_size`` (40 M, or ``--max-vocab-size``:
small, it prunes after many sentences, which shorter sentences make more frequent),
the tools interleaved; prints the median seconds and checks that both find the same
phrases with the same scores::

    .venv/bin/python bench/phrases_vs_gensim.py [--words 10000000] [--repeats 3]
        [--scoring default] [--threshold 10] [--sentence-words 10000] [--max-vocab-size N]

wordspace is timed twice: from the token lists (reading them into a ``Corpus``
included) and on the ``Corpus`` already read (counting and scoring alone, the kernels).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scoring", choices=["default", "npmi"], default="default")
    parser.add_argument("--sentence-words", type=int, default=10_000)
    parser.add_argument("--max-vocab-size", type=int, default=40_000_000)
    parser.add_argument("--threshold", type=float, default=None,
                        help="default: 10 (default scoring), 0.5 (npmi)")
    args = parser.parse_args(argv)
    from gensim.models.phrases import Phrases as GensimPhrases

    from _common import text8_words
    from wordspace import Corpus
    from wordspace.phrases import DEFAULT_THRESHOLDS, Phrases

    # gensim's default is 10 whatever the scoring: give it wordspace's for this one
    threshold = DEFAULT_THRESHOLDS[args.scoring] if args.threshold is None else args.threshold

    words = text8_words(args.words).split()
    step = args.sentence_words
    sentences = [words[i:i + step] for i in range(0, len(words), step)]
    del words
    options = dict(min_count=5, threshold=threshold, scoring=args.scoring,
                   max_vocab_size=args.max_vocab_size)
    corpus = Corpus(sentences, min_count=1, cache=False, progress=False)
    Phrases(corpus, **options)  # compiles the kernels before any timing

    tools = {
        "gensim 4.4 Phrases": lambda: GensimPhrases(sentences, **options),
        "wordspace, from token lists": lambda: Phrases(sentences, progress=False,
                                                      cache=False, **options),
        "wordspace, encoded Corpus": lambda: Phrases(corpus, **options),
    }
    times = {name: [] for name in tools}
    found = {}
    for _ in range(args.repeats):
        for name, tool in tools.items():
            start = time.perf_counter()
            found[name] = tool().export_phrases()
            times[name].append(time.perf_counter() - start)
    print(f"{args.words / 1e6:.0f} M words in sentences of {step:,}, min_count 5, "
          f"{args.scoring} scoring, threshold {threshold}, max_vocab_size "
          f"{args.max_vocab_size:,}; median of {args.repeats} interleaved runs")
    for name in tools:
        print(f"  {name:<30} {statistics.median(times[name]):8.2f} s   "
              f"{len(found[name]):,} phrases")
    theirs, ours = found["gensim 4.4 Phrases"], found["wordspace, from token lists"]
    both = set(theirs) & set(ours)
    worst = max((abs(ours[p] - theirs[p]) / abs(theirs[p]) for p in both), default=0.0)
    print(f"agreement: {len(both):,} phrases in both, {len(set(ours) - both):,} only "
          f"wordspace's, {len(set(theirs) - both):,} only gensim's; largest relative score "
          f"difference {worst:.1e}")
    return 0 if set(ours) == set(theirs) else 1


if __name__ == "__main__":
    sys.exit(main())
