"""Document vectors on BBC News, wordspace against gensim's Doc2Vec: PV-DBOW and PV-DM.

Both libraries get the same token lists (lowercased ``\\w+`` tokens of the 2,225
articles), min_count 2, 100 dimensions, window 5, 5 negatives, sample 1e-3, 20 epochs
and the same number of threads, for PV-DBOW with and without skip-gram word training
(``train_words`` / ``dbow_words``) and for PV-DM (``PVDM`` / ``dm=1, dm_mean=1``, the
window's mean with the document's vector). Reported, each measured the same way for
both:

* training time (the corpus already tokenised) and words/s (the collection's tokens
  times epochs, per second of training);
* topic accuracy: logistic regression on the document vectors, 5-fold stratified CV;
* self-similarity: each training document re-inferred (its vector discarded, 20
  epochs) must rank its own trained vector first among all 2,225;
* inference time: every document at once (wordspace's ``infer_many`` on the threads;
  gensim has no batch call) and one ``infer_vector`` call per document in one thread,
  as most users write it.

Times are the best of ``--repeat`` runs for each library (this shared 2-core host
slows some runs by up to 2x at random); the accuracies are the first run's.

    WORDSPACE_DATA=../shared/data python bench/docvecs_bbc.py [--workers 2 --repeat 3] \\
        [--models dbow-words dbow dm] [--seeds 5]
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from wordspace import PVDBOW, PVDM, Documents
from wordspace.corpus import make_tokenizer
from wordspace.datasets import load

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, epochs=20, min_count=2)
#: the models compared: name: (label, gensim's dm, with skip-gram words)
MODELS = {"dbow-words": ("PV-DBOW + skip-gram words", 0, True),
          "dbow": ("PV-DBOW, documents only", 0, False),
          "dm": ("PV-DM", 1, True)}


def topic_accuracy(vectors: np.ndarray, labels: np.ndarray) -> float:
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(cross_val_score(LogisticRegression(max_iter=2000), vectors, labels,
                                 cv=folds).mean())


def self_rank_rate(inferred: np.ndarray, trained: np.ndarray) -> float:
    """Share of documents whose re-inferred vector is nearest (cosine) to their own."""
    def unit(m):
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)

    return float(((unit(inferred) @ unit(trained).T).argmax(axis=1)
                  == np.arange(len(trained))).mean())


def run_wordspace(docs, dm: int, train_words: bool, workers: int, seed: int = 1,
                  infer: bool = True):
    s = SETTINGS
    collection = Documents(docs, min_count=s["min_count"], progress=False)
    settings = dict(dim=s["dim"], window=s["window"], negative=s["negative"],
                    sample=s["sample"], epochs=s["epochs"], workers=workers, seed=seed,
                    progress=False)
    model = PVDM(**settings) if dm else PVDBOW(train_words=train_words, **settings)
    start = time.perf_counter()
    model.fit(collection)
    seconds = time.perf_counter() - start
    if not infer:
        return model.dv.matrix, None, seconds, None, None
    start = time.perf_counter()
    inferred = model.dv.infer_many([tokens for _, tokens in docs], workers=workers)
    infer_seconds = time.perf_counter() - start
    start = time.perf_counter()  # as most users do: one call per document, one thread
    for _, tokens in docs:
        model.infer_vector(tokens)
    return model.dv.matrix, inferred, seconds, infer_seconds, time.perf_counter() - start


def run_gensim(docs, dm: int, train_words: bool, workers: int, seed: int = 1,
               infer: bool = True):
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    s = SETTINGS
    tagged = [TaggedDocument(tokens, [i]) for i, (_, tokens) in enumerate(docs)]
    model = Doc2Vec(vector_size=s["dim"], dm=dm, dm_mean=1, dbow_words=int(train_words),
                    window=s["window"], negative=s["negative"], hs=0, sample=s["sample"],
                    min_count=s["min_count"], epochs=s["epochs"], workers=workers, seed=seed)
    model.build_vocab(tagged)
    start = time.perf_counter()
    model.train(tagged, total_examples=len(tagged), epochs=s["epochs"])
    seconds = time.perf_counter() - start
    if not infer:
        return model.dv.vectors, None, seconds, None, None
    start = time.perf_counter()  # gensim infers one document per call, in one thread
    inferred = np.array([model.infer_vector(tokens, epochs=s["epochs"]) for _, tokens in docs])
    infer_seconds = time.perf_counter() - start
    return model.dv.vectors, inferred, seconds, infer_seconds, infer_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--seeds", type=int, default=0, metavar="N",
                        help="also train each model with seeds 1..N (no inference) and "
                             "print its topic accuracy's mean and standard deviation")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tokenize = make_tokenizer(lowercase=True, token_pattern=r"\w+")
    articles = load("bbc")
    docs = [(a["id"], tokenize(a["text"])) for a in articles]
    labels = np.array([a["label"] for a in articles])
    words = sum(len(t) for _, t in docs) * SETTINGS["epochs"]
    print(f"BBC News: {len(docs):,} documents, {sum(len(t) for _, t in docs):,} tokens, "
          f"{len(set(labels))} topics; {SETTINGS}, {args.workers} threads, best of "
          f"{args.repeat}\n")
    print("| model | training | words/s | topic accuracy (5-fold LR) | self-similarity "
          "(rank 1) | inference of 2,225 documents | one call per document |")
    print("|---|---|---|---|---|---|---|")
    for model in args.models:
        title, dm, train_words = MODELS[model]
        times = {}
        for name, runner in (("wordspace", run_wordspace), ("gensim", run_gensim)):
            runs = [runner(docs, dm, train_words, args.workers) for _ in range(args.repeat)]
            trained, inferred = runs[0][:2]
            times[name] = [min(r[k] for r in runs) for k in (2, 3, 4)]
            seconds, infer_seconds, one_by_one = times[name]
            print(f"| {name} {title} | {seconds:.1f} s | {words / seconds / 1e6:.2f} M | "
                  f"{topic_accuracy(trained, labels):.3f} | "
                  f"{100 * self_rank_rate(inferred, trained):.1f} % | {infer_seconds:.1f} s | "
                  f"{one_by_one:.1f} s |", flush=True)
        ratios = [g / w for g, w in zip(times["gensim"], times["wordspace"], strict=True)]
        print(f"| speed-up | {ratios[0]:.2f}x | | | | {ratios[1]:.2f}x | {ratios[2]:.2f}x |",
              flush=True)
    for model in args.models if args.seeds else ():
        title, dm, train_words = MODELS[model]
        for name, runner in (("wordspace", run_wordspace), ("gensim", run_gensim)):
            scores = [topic_accuracy(runner(docs, dm, train_words, args.workers, seed=seed,
                                            infer=False)[0], labels)
                      for seed in range(1, args.seeds + 1)]
            print(f"{name} {title}: topic accuracy over seeds 1-{args.seeds}: "
                  f"{np.mean(scores):.3f} ± {np.std(scores):.3f} "
                  f"({', '.join(f'{x:.3f}' for x in scores)})", flush=True)


if __name__ == "__main__":
    main()
