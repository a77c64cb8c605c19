"""Does a Gaussian word's breadth follow where the word first appears in the corpus?

Trains the default Gaussian model (50-d, diagonal, KL) on the text8-format corpus (or
its first ``--words``), then reports, for words of three frequency bands, the Spearman
correlation between ``log |Sigma|`` and the position of the word's first occurrence
(0: breadth independent of the corpus's order), beside WS353 and SimLex by cosine of the
means and BLESS direction and WBLESS accuracy by KL.

``--variance-warmup F`` keeps the variances fixed for the first fraction F of training
(the means alone learn while they are random), an experiment, not a wordspace setting:
a variant of the loss defined here.

    WORDSPACE_DATA=../shared/data python bench/gaussian_order.py [--words 1700000]
        [--epochs 2] [--variance-warmup 0.05]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from _common import text8_words
from wordspace import Corpus, GaussianSkipGram
from wordspace.evaluate import entailment, word_similarity
from wordspace.kernels import gaussian
from wordspace.losses import MaxMarginLoss

BANDS = [(5, 10), (20, 50), (100, 300)]


class WarmupLoss(MaxMarginLoss):
    """The max-margin loss with the variances' rate 0 until the base rate has fallen by
    the fraction ``warmup`` of its way from ``alpha`` to ``min_alpha``."""

    def __init__(self, *args, warmup: float, alpha: float, min_alpha: float):
        super().__init__(*args)
        self.warmup, self.alpha, self.min_alpha = warmup, alpha, min_alpha

    def update(self, params, examples, lr, scratch):
        done = (self.alpha - lr) / (self.alpha - self.min_alpha)
        rate = 0.0 if done < self.warmup else self.variance_rate
        step = gaussian.MaxMarginStep(
            lr=float(lr), var_lr=float(lr * rate), margin=float(self.margin), kind=self.kind,
            mu_max=float(self.mu_max), var_min=float(self.var_min),
            var_max=float(self.var_max), tied=params.tied)
        return gaussian.max_margin_update(params.arrays(), step, examples.arrays(), scratch)


class WarmupGaussian(GaussianSkipGram):
    """The Gaussian model trained with :class:`WarmupLoss`."""

    warmup = 0.0

    def _loss(self):
        base = super()._loss()
        return WarmupLoss(self.energy, base.margin, base.mu_max, base.var_min, base.var_max,
                          base.variance_rate, warmup=self.warmup, alpha=self.alpha,
                          min_alpha=self.alpha * self._min_alpha_ratio
                          if self.min_alpha is None else self.min_alpha)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=0,
                        help="the first N words of text8 (default: all of it)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--variance-warmup", type=float, default=0.0)
    args = parser.parse_args()

    text = text8_words(args.words or 10**9)  # all of it, by default
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "text8.txt"
        path.write_text(text)
        corpus = Corpus(path, progress=False)
        model = WarmupGaussian(dim=50, epochs=args.epochs, progress=False)
        model.warmup = args.variance_warmup
        model.fit(corpus)
    first: dict[str, int] = {}
    for position, word in enumerate(text.split()):
        first.setdefault(word, position)
    words, counts = model.vocab_.words, np.asarray(model.vocab_.counts)
    breadth = model.distributions.log_determinants()
    cells = []
    for low, high in BANDS:
        rows = np.flatnonzero((counts >= low) & (counts <= high))
        rho = spearman(breadth[rows], np.array([first[words[i]] for i in rows]))
        cells.append(f"{rho:+.2f}")
    scorers = model.scorers()
    print(f"{corpus.n_tokens:,} tokens, {args.epochs} epochs, variance warm-up "
          f"{args.variance_warmup:g}")
    print("| variance warm-up | " + " | ".join(f"rho, count {lo}-{hi}" for lo, hi in BANDS)
          + " | WS353 | SimLex | BLESS dir | WBLESS |")
    print("|---" * 8 + "|")
    print(f"| {args.variance_warmup:g} | {' | '.join(cells)} | "
          f"{word_similarity(scorers['cosine'], 'ws353').spearman:.3f} | "
          f"{word_similarity(scorers['cosine'], 'simlex999').spearman:.3f} | "
          f"{entailment(scorers['kl'], 'bless').directional:.3f} | "
          f"{entailment(scorers['kl'], 'wbless').accuracy:.3f} |")
    print("broadest:", ", ".join(w for w, _ in model.distributions.most_general(8)))


if __name__ == "__main__":
    main()
