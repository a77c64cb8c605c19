"""Gaussian skip-gram on the text8-format corpus: speed, similarity and entailment.

For 50-d diagonal and spherical covariances and both energies: training words/s,
WS353 and SimLex-999 Spearman by cosine of the means and by EL, Google analogies on the
means, BLESS directional accuracy by KL (share of hypernym pairs where
-KL(N_hypo || N_hyper) exceeds the reverse), and WBLESS accuracy (threshold chosen on
the val fold, reported on test) by KL and by cosine. gensim's SGNS at 50-d on the same
corpus is the reference row.

    WORDSPACE_DATA=../shared/data python bench/gaussian.py [--epochs 5] [--skip-gensim]
"""

from __future__ import annotations

import argparse
import json
import os
import time

from wordspace import Corpus, GaussianSkipGram, Vectors, datasets
from wordspace.evaluate import analogies, entailment, word_similarity

CONFIGS = [("diagonal", "el"), ("diagonal", "kl"), ("spherical", "el"), ("spherical", "kl")]


def scores(model_scorers: dict) -> dict:
    cosine = model_scorers["cosine"]
    out = {"ws353": word_similarity(cosine, "ws353").spearman,
           "simlex": word_similarity(cosine, "simlex999").spearman,
           "analogy": analogies(cosine, "google").accuracy,
           "wbless_cos": entailment(cosine, "wbless").accuracy}
    if "el" in model_scorers:
        out.update(ws353_el=word_similarity(model_scorers["el"], "ws353").spearman,
                   simlex_el=word_similarity(model_scorers["el"], "simlex999").spearman,
                   bless_dir=entailment(model_scorers["kl"], "bless").directional,
                   wbless_kl=entailment(model_scorers["kl"], "wbless").accuracy)
    return out


def gensim_row(corpus_path: str, epochs: int, workers: int) -> dict:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    model = Word2Vec(vector_size=50, window=5, negative=5, min_count=5, sample=1e-4, sg=1,
                     workers=workers, epochs=epochs, seed=1)
    model.build_vocab(LineSentence(corpus_path))
    start = time.perf_counter()
    model.train(LineSentence(corpus_path), total_examples=model.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - start
    vectors = Vectors(model.wv.index_to_key, model.wv.vectors)
    return {"words_per_second": model.corpus_total_words * epochs / seconds,
            **scores({"cosine": vectors})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--skip-gensim", action="store_true")
    parser.add_argument("--configs", nargs="+", default=[f"{c}-{e}" for c, e in CONFIGS],
                        help="covariance-energy pairs, e.g. diagonal-kl")
    args = parser.parse_args()

    corpus = Corpus("text8", min_count=5, progress=False)
    print(f"corpus {corpus.name}: {corpus.n_tokens:,} tokens; dim 50, window 5, negative 5, "
          f"sample 1e-4, min_count 5, {args.epochs} epochs, {args.workers} threads\n")
    header = ("| trainer | words/s | WS353 cos | WS353 EL | SimLex cos | SimLex EL | Google | "
              "BLESS dir (KL) | WBLESS acc KL | WBLESS acc cos |")
    print(header)
    print("|---" * 10 + "|")
    rows = {}
    if not args.skip_gensim:
        rows["gensim SGNS 50-d"] = gensim_row(str(datasets.path("text8")), args.epochs,
                                              args.workers)
        _print("gensim SGNS 50-d", rows["gensim SGNS 50-d"])
    for config in args.configs:
        covariance, energy = config.split("-")
        model = GaussianSkipGram(dim=50, covariance=covariance, energy=energy,
                                 epochs=args.epochs, workers=args.workers, progress=False)
        model.fit(corpus)
        name = f"wordspace Gaussian {covariance} {energy.upper()}"
        rows[name] = {"words_per_second": model.report_.words_per_second,
                      **scores(model.scorers())}
        _print(name, rows[name])
    print("\n" + json.dumps(rows, indent=1))


def _print(name: str, r: dict) -> None:
    def f(key, pct=False):
        value = r.get(key)
        return "–" if value is None else f"{100 * value:.1f} %" if pct else f"{value:.3f}"

    print(f"| {name} | {r['words_per_second'] / 1e6:.2f} M | {f('ws353')} | {f('ws353_el')} | "
          f"{f('simlex')} | {f('simlex_el')} | {f('analogy', True)} | {f('bless_dir')} | "
          f"{f('wbless_kl')} | {f('wbless_cos')} |", flush=True)


if __name__ == "__main__":
    main()
