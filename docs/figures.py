"""Draw the pictures in docs/: the demo's map and a Gaussian hierarchy.

    WORDSPACE_DATA=../shared/data .venv/bin/python docs/figures.py     (or: make figures)

Trains, on the first ``--words`` (default 5 M) words of text8 (from the
``$WORDSPACE_DATA`` mirror or the download cache; nothing is cached in the repository):

* skip-gram (dim 100, 3 epochs), drawn as the demo draws its map
  (:func:`wordspace.demo.map_figure`) into ``docs/demo-map.png``;
* a Gaussian skip-gram (dim 50, diagonal, KL, 3 epochs), drawn by
  :func:`wordspace.plot.hierarchy_map` ("animal" around nine animals) into
  ``docs/gaussian-hierarchy.png``.

About two minutes on two cores. Every picture is checked before it is written: no two
labels overlap and no label covers a marker (:func:`wordspace.plot.overlaps`).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERAL = "animal"
SPECIFIC = ["dog", "cat", "horse", "cow", "sheep", "pig", "rabbit", "lion", "wolf"]


def text8_slice(n_words: int):
    """The first ``n_words`` words of text8 as a :class:`~wordspace.Corpus`
    (sentences of 1,000 words, ``min_count=5``)."""
    from wordspace import Corpus, datasets

    path = datasets.path("text8")
    opener = gzip.open if path.suffix == ".gz" else open
    words: list[str] = []
    with opener(path, "rt", encoding="utf-8") as f:
        while len(words) < n_words:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            words.extend(chunk.split())  # a word cut at a chunk's end: one in millions
    words = words[:n_words]
    return Corpus([words[i:i + 1000] for i in range(0, len(words), 1000)], min_count=5,
                  cache=False, progress=False)


def demo_figure(vectors, n_words: int | None = None):
    """The demo's map of ``vectors`` (the demo's own code), titled with the training."""
    from wordspace.demo import MAP_WORDS, map_figure

    trained = f" (skip-gram on the first {n_words / 1e6:g} M words of text8)" if n_words \
        else ""
    return map_figure(vectors, title=f"The demo's map: {len(MAP_WORDS)} words and 7 nearest "
                                     f"neighbours each, PCA of unit vectors{trained}")


def hierarchy_figure(distributions, general: str = GENERAL, specific=tuple(SPECIFIC)):
    """``general`` around ``specific`` (those in the vocabulary), as Vilnis & McCallum
    draw a hierarchy."""
    from wordspace.plot import hierarchy_map

    return hierarchy_map(distributions, general, [w for w in specific if w in distributions])


def check(fig, name: str) -> None:
    """Refuse a picture whose labels overlap each other or the markers."""
    from wordspace.plot import overlaps

    labels, markers = overlaps(fig)
    print(f"  {name}: {labels} overlapping label pairs, {markers} labels over markers")
    if labels or markers:
        raise SystemExit(f"{name}: labels overlap; not written")


def main(argv: list[str] | None = None) -> int:
    from wordspace import GaussianSkipGram, SkipGram
    from wordspace.plot import save_figure

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=5_000_000)
    parser.add_argument("--out", type=Path, default=HERE)
    a = parser.parse_args(argv)
    start = time.perf_counter()
    corpus = text8_slice(a.words)
    print(f"text8, first {corpus.n_tokens:,} words, {len(corpus.vocab):,}-word vocabulary")
    # one worker: the same seed trains the same vectors, so the pictures are reproducible
    sgns = SkipGram(dim=100, epochs=3, seed=1, workers=1, progress=False).fit(corpus)
    print(f"skip-gram trained in {sgns.report_.seconds:.0f} s")
    fig = demo_figure(sgns.vectors, a.words)
    check(fig, "demo-map.png")
    # the docs' own figures (older than the mark that lets a wordspace figure be replaced)
    print(f"wrote {save_figure(fig, a.out / 'demo-map.png', dpi=110, overwrite=True)}")
    gauss = GaussianSkipGram(dim=50, energy="kl", epochs=3, seed=1, workers=1,
                             progress=False).fit(corpus)
    print(f"Gaussian skip-gram trained in {gauss.report_.seconds:.0f} s")
    fig = hierarchy_figure(gauss.distributions)
    check(fig, "gaussian-hierarchy.png")
    written = save_figure(fig, a.out / "gaussian-hierarchy.png", dpi=110, overwrite=True)
    print(f"wrote {written}")
    print(f"{time.perf_counter() - start:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
