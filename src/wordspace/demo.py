"""``make demo``: train skip-gram on text8, then show what the vectors know.

Fetches text8 (or takes it from the ``$WORDSPACE_DATA`` mirror), trains with the
defaults, and prints the evaluation table (WS353, SimLex-999, Google analogies),
nearest neighbours and three classic analogies; writes the model, a word2vec file and
``map.png`` (a 2-D map of some words and their neighbours) under ``--out``. Then trains
document vectors (PV-DBOW) on BBC News and shows an article's nearest articles and
where a new text lands.

    python -m wordspace.demo [--out demo] [--epochs 5]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from wordspace import PVDBOW, Corpus, Documents, SkipGram, datasets
from wordspace._io import EXPORT, remember_writing
from wordspace.evaluate import evaluate, format_table
from wordspace.models.base import check_model_path
from wordspace.plot import check_figure_path
from wordspace.word2vec_format import check_word2vec_path

NEIGHBOURS = ["france", "king", "computer", "music", "einstein", "water"]
ANALOGIES = [("man", "king", "woman"), ("france", "paris", "germany"),
             ("big", "bigger", "small")]
MAP_WORDS = ["france", "king", "computer", "music", "water", "football"]
ARTICLE = "tech/010.txt"  # Google's toolbar sparks concern
NEW_TEXT = "the striker scored twice as the champions won the cup final"


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("demo"), help="where to write")
    parser.add_argument("--epochs", type=int, default=5, help="skip-gram's epochs (5)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    # the outputs checked before training: none the user keeps is replaced, no run is lost
    advice = "choose another --out, or move it away"
    try:
        check_model_path(args.out / "model")
        check_model_path(args.out / "bbc-model")
        check_word2vec_path(args.out / "vectors.bin", advice)
        check_figure_path(args.out / "map.png", advice=advice, replace=None)
    except OSError as e:  # FileExistsError included: a message, not a traceback
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    start = time.perf_counter()
    corpus = Corpus("text8", min_count=5)
    print(f"corpus: {corpus.name}: {corpus.n_tokens:,} tokens, vocabulary of "
          f"{len(corpus.vocab):,} words")
    model = SkipGram(dim=100, window=5, negative=5, sample=1e-4, epochs=args.epochs, seed=1)
    model.fit(corpus)
    r = model.report_
    print(f"trained skip-gram (dim 100, window 5, negative 5, {args.epochs} epochs) in "
          f"{r.seconds:.1f} s: {r.words_per_second / 1e6:.2f} M words/s; "
          f"{time.perf_counter() - start:.1f} s with reading")

    v = model.vectors
    print("\nevaluation")
    print(format_table(evaluate(model, ["ws353", "simlex999", "google"])))
    print("\nnearest neighbours")
    for word in NEIGHBOURS:
        print(f"  {word:<10} " + ", ".join(w for w, _ in v.most_similar(word, topn=6)))
    print("\nanalogies (a : b :: c : ?)")
    for a, b, c in ANALOGIES:
        answer = ", ".join(f"{w} ({s:.2f})" for w, s in v.analogy(a, b, c, topn=3))
        print(f"  {a} : {b} :: {c} : {answer}")

    print("\nfiles")
    model_dir = args.out / "model"
    model.save(model_dir)
    print(f"  model directory   {model_dir.resolve()}")
    vectors_file = args.out / "vectors.bin"
    v.save_word2vec_format(vectors_file, binary=True)
    remember_writing(vectors_file, EXPORT)  # `wordspace export -o` it may replace it
    print(f"  word2vec binary   {vectors_file.resolve()}")
    try:
        from wordspace.plot import save_figure

        fig = map_figure(v)
        print(f"  2-D map           {save_figure(fig, args.out / 'map.png').resolve()}")
    except ImportError as e:
        print(f"  (no map: {e})")
    documents_demo(args.out)
    return 0


def map_figure(vectors, title: str | None = None):
    """The demo's map: :data:`MAP_WORDS` and each one's 7 nearest neighbours, by PCA
    (also drawn for docs/demo-map.png by docs/figures.py). Needs the ``plot`` extra."""
    from wordspace.plot import embedding_map

    return embedding_map(vectors, MAP_WORDS, neighbours=7, title=title)


def documents_demo(out: Path) -> None:
    """Document vectors on BBC News: an article's neighbours, a new text inferred."""
    articles = {a["id"]: a for a in datasets.load("bbc")}  # parsed once: titles and labels
    docs = Documents([(i, a["text"]) for i, a in articles.items()], lowercase=True,
                     token_pattern=r"\w+", min_count=2)
    model = PVDBOW(dim=100, epochs=20, seed=1).fit(docs)
    print(f"\ndocument vectors: PV-DBOW with skip-gram words on BBC News ({docs.n_documents:,} "
          f"articles, 5 topics), trained in {model.report_.seconds:.1f} s")

    def title(doc_id: str) -> str:
        return f"[{articles[doc_id]['label']}] {articles[doc_id]['text'].splitlines()[0][:60]}"

    print(f"  nearest to {title(ARTICLE)}")
    for doc_id, score in model.dv.most_similar(ARTICLE, topn=4):
        print(f"    {score:.2f}  {title(doc_id)}")
    print(f"  a new text, inferred: {NEW_TEXT!r}")
    inferred = model.dv.infer(NEW_TEXT)  # tokenised as the articles were
    for doc_id, score in model.dv.most_similar(inferred, topn=3):
        print(f"    {score:.2f}  {title(doc_id)}")
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_score

        labels = [articles[i]["label"] for i in model.dv.ids]
        accuracy = cross_val_score(LogisticRegression(max_iter=2000), model.dv.matrix,
                                   labels, cv=5).mean()
        print(f"  topic accuracy of the vectors (logistic regression, 5-fold): {accuracy:.3f}")
    except ImportError:
        pass
    model.save(out / "bbc-model")
    print(f"  model directory   {(out / 'bbc-model').resolve()}")


if __name__ == "__main__":
    sys.exit(main())
