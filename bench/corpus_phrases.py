"""Reading a corpus with its phrases joined, against writing the phrased text and reading it.

The first ``--words`` words of the text8-format corpus are written as one line (text8's
shape) to a scratch folder, and ``Phrases`` learned on them at gensim's defaults (with
``--connectors``, gensim's English connector words), saved and loaded. Then,
interleaved (``--repeats`` times each, medians):

* ``Corpus(path, phrases=table)``: read every word, join, count;
* the written route, what ``wordspace phrases --from-table`` then ``wordspace train``
  do: ``Phrases.write_corpus(path, out)`` (read every word, join, write the text), then
  ``Corpus(out)``; its two steps are timed apart;

each twice: without any cache (``cache=False``: the text is read), and after learning
(the encoding of every word that ``Phrases(path)`` reads is in the cache, as learning
leaves it; the phrased corpus's own encoding is not, and is removed after each run).
Every run's corpus is checked to be the same (vocabulary, counts, tokens, sentences)::

    WORDSPACE_DATA=../shared/data .venv/bin/python bench/corpus_phrases.py \\
        [--words 10000000] [--repeats 3] [--connectors] [--min-count 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import text8_words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--min-count", type=int, default=5, help="the Corpus's")
    parser.add_argument("--connectors", action="store_true",
                        help="gensim's English connector words")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WORDSPACE_HOME"] = str(Path(tmp) / "home")  # no cache of earlier runs
        logging.disable(logging.WARNING)
        from wordspace import Corpus, Phrases

        source = Path(tmp) / "text.txt"
        source.write_text(text8_words(a.words) + "\n")
        connectors = ()
        if a.connectors:
            from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS as connectors
        phrases = Phrases(source, connector_words=connectors, progress=False, cache=False)
        table = Path(tmp) / "phrases.tsv"
        phrases.save(table)
        phrases = Phrases.load(table)  # as train --phrases has it
        Corpus([["new", "york", "x"]], min_count=1, phrases=phrases, progress=False)  # kernels
        Phrases(source, progress=False).save(Path(tmp) / "cached.tsv")  # the raw encoding
        settings = {"min_count": a.min_count, "progress": False}

        def direct(cache):
            corpus = Corpus(source, phrases=phrases, cache=cache, **settings)
            return corpus, None

        def written(cache):
            out = Path(tmp) / "phrased.txt"
            start = time.perf_counter()
            phrases.write_corpus(Corpus(source, min_count=1, cache=cache, progress=False),
                                 out)
            middle = time.perf_counter()
            corpus = Corpus(out, cache=cache, **settings)
            return corpus, middle - start

        times: dict[str, list[float]] = {}
        reference = None
        for _ in range(a.repeats):
            for route in (direct, written):
                for cache in (False, True):
                    start = time.perf_counter()
                    corpus, write_s = route(cache)
                    name = f"{route.__name__}, {'after learning' if cache else 'no cache'}"
                    times.setdefault(name, []).append(time.perf_counter() - start)
                    if write_s is not None:
                        times.setdefault(name + ": write", []).append(write_s)
                    found = (corpus.vocab.words, corpus.vocab.counts.tolist(),
                             np.asarray(corpus.tokens).tobytes(),
                             np.asarray(corpus.offsets).tobytes())
                    if reference is None:
                        reference, n_tokens, n_words = found, corpus.n_tokens, len(corpus.vocab)
                    elif found != reference:
                        raise SystemExit(f"{name}: another corpus than the first run's")
                    if corpus.cache_dir is not None:  # read again next time
                        shutil.rmtree(corpus.cache_dir)
                    (Path(tmp) / "phrased.txt").unlink(missing_ok=True)
        print(f"{a.words:,} words of text8, {len(phrases):,} phrases "
              f"({len(connectors)} connector words), min_count {a.min_count}: "
              f"{n_tokens:,} tokens, {n_words:,} words, the same from every run; medians "
              f"of {a.repeats} interleaved runs")
        median = {k: statistics.median(v) for k, v in times.items()}
        for cached in ("no cache", "after learning"):
            ours, theirs = median[f"direct, {cached}"], median[f"written, {cached}"]
            write = median[f"written, {cached}: write"]
            print(f"  {cached}:")
            print(f"    Corpus(path, phrases=table)           {ours:6.2f} s")
            print(f"    write_corpus + Corpus(phrased file)   {theirs:6.2f} s (write "
                  f"{write:.2f} s, read {theirs - write:.2f} s)   x{theirs / ours:.2f}")


if __name__ == "__main__":
    main()
