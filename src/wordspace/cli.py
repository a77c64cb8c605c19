"""The ``wordspace`` command line: train, query and export word vectors.

Run ``wordspace --help`` for the subcommands and ``wordspace SUBCOMMAND --help`` for each.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from wordspace import __version__

logger = logging.getLogger("wordspace")

_EPILOG = """examples:
  wordspace train text8 -o text8-model               # skip-gram, 100-d, 5 epochs
  wordspace similar text8-model france --topn 5
  wordspace analogy text8-model man king woman       # man is to king as woman is to ?
  wordspace eval text8-model --datasets ws353 simlex999 google
  wordspace plot text8-model france king computer --neighbours 8 -o map.png
  wordspace export text8-model -o vectors.bin --format word2vec-binary
  wordspace train bbc --model pv-dbow --lowercase --min-count 2 -o bbc-model
  wordspace similar bbc-model tech/001.txt --doc     # nearest documents
  echo "the striker scored twice" | wordspace infer bbc-model
  wordspace data list
  wordspace convae explain                           # convolution as a matrix, and W^T
"""


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only where it says something: not None, not a flag's
    False, and not where the help already gives it."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False \
                or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


_positive_int = _int_at_least(1)


def _subcommand(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """A subcommand parser with the options every subcommand shares."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true",
                        help="log progress detail (corpus, cache, timings)")
    return sub.add_parser(name, parents=[common], **kwargs)


def _add_train(sub) -> None:
    p = _subcommand(
        sub, "train", help="train word vectors on a corpus",
        description="Train word vectors (skip-gram with negative sampling by default) or "
                    "document vectors. CORPUS is a text file (plain, .gz, .bz2, .xz), one "
                    "sentence per line or one long line like text8, or a folder of such "
                    "files. For --model pv-dbow it holds documents: JSON lines with 'text' "
                    "and 'id' fields, one document a line (ids are line numbers), or a "
                    "folder with a document per file. The model directory holds the "
                    "vectors, the vocabulary and a training report. Options left unset "
                    "take the model's defaults.",
        formatter_class=_DefaultsFormatter)
    p.add_argument("corpus", help="text file, folder of text files, or a dataset name "
                                  "from 'wordspace data list' (e.g. text8, or bbc for "
                                  "pv-dbow)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL_DIR",
                   help="model directory to write; an existing model directory is replaced "
                        "atomically, anything else there is refused before training")
    p.add_argument("--model", default="sgns",
                   choices=["sgns", "cbow", "softmax", "gaussian", "ppmi-svd", "pv-dbow"],
                   help="skip-gram with negative sampling, CBOW (the window's mean predicts "
                        "the word), full-softmax skip-gram (exact; small vocabularies), "
                        "Gaussian skip-gram (words as distributions), count-based PPMI + "
                        "truncated SVD, or PV-DBOW document vectors (doc2vec)")
    g = p.add_argument_group("corpus")
    g.add_argument("--min-count", type=_positive_int, default=5,
                   help="ignore words rarer than this")
    g.add_argument("--max-vocab-size", type=_positive_int, default=None,
                   help="prune the rarest words while counting beyond this many")
    g.add_argument("--lowercase", action="store_true", help="lowercase the text first")
    g.add_argument("--token-pattern", default=None, metavar="REGEX",
                   help=r"tokens are the regex's matches (e.g. '\w+'); default: whitespace")
    g.add_argument("--unk", action="store_true",
                   help="map rare words to <unk> instead of dropping them")
    g.add_argument("--max-token-length", type=_positive_int, default=None,
                   help="leave out longer tokens, with a warning (default: 1000 characters)")
    g = p.add_argument_group("model")
    g.add_argument("--dim", type=_positive_int, default=None,
                   help="vector dimensions (default: 100; 50 for gaussian)")
    g.add_argument("--window", type=_positive_int, default=None,
                   help="maximum context distance (default: 5)")
    g.add_argument("--negative", type=_positive_int, default=None,
                   help="negatives per centre word (default: 5)")
    g.add_argument("--sample", type=float, default=None,
                   help="subsampling threshold for frequent words, 0 for none (default: "
                        "1e-4; 1e-3 for pv-dbow)")
    g.add_argument("--ns-exponent", type=float, default=None,
                   help="negatives drawn proportionally to count**this (default: 0.75)")
    g.add_argument("--epochs", type=_positive_int, default=None,
                   help="passes over the corpus (default: 5; 20 for pv-dbow)")
    g.add_argument("--alpha", type=float, default=None,
                   help="initial learning rate (default: 0.025 for sgns and pv-dbow, 0.05 "
                        "for cbow, 0.1 for softmax, 0.5 for gaussian)")
    g.add_argument("--per-pair", action="store_true",
                   help="sgns, pv-dbow: word2vec.c's per-pair update instead of shared "
                        "negatives")
    g = p.add_argument_group("gaussian model")
    g.add_argument("--energy", choices=["el", "kl"], default="kl",
                   help="similarity between distributions: expected likelihood "
                        "(symmetric) or -KL (asymmetric)")
    g.add_argument("--covariance", choices=["diagonal", "spherical"], default="diagonal",
                   help="a variance per dimension, or one per word")
    g.add_argument("--margin", type=float, default=1.0, help="max-margin loss's margin")
    g.add_argument("--mu-max", type=float, default=5.0, help="bound on the means' norm")
    g.add_argument("--var-min", type=float, default=0.05, help="lower bound on variances")
    g.add_argument("--var-max", type=float, default=4.0, help="upper bound on variances")
    g.add_argument("--variance-rate", type=float, default=0.3,
                   help="variances' learning rate relative to the means'")
    g.add_argument("--untied", action="store_true",
                   help="separate word and context distributions (default: one per word)")
    g = p.add_argument_group("document model (pv-dbow)")
    g.add_argument("--no-words", action="store_true",
                   help="document vectors only, no skip-gram word vectors beside them "
                        "(faster)")
    g.add_argument("--text-field", default="text", help="JSON lines: the text's field")
    g.add_argument("--id-field", default="id", help="JSON lines: the id's field")
    g = p.add_argument_group("run")
    g.add_argument("--workers", type=_positive_int, default=None,
                   help="training threads (default: all cores)")
    g.add_argument("--seed", type=int, default=1, help="random seed")
    g.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_train)


def _train(args) -> int:
    from wordspace import (
        CBOW,
        PPMISVD,
        PVDBOW,
        Corpus,
        Documents,
        GaussianSkipGram,
        SkipGram,
        SoftmaxSkipGram,
    )
    from wordspace.models.base import check_model_path
    from wordspace.train import format_loss

    check_model_path(args.output)  # before hours of training, not after
    given = {k: v for k, v in dict(
        dim=args.dim, window=args.window, negative=args.negative, sample=args.sample,
        ns_exponent=args.ns_exponent, epochs=args.epochs, alpha=args.alpha,
        workers=args.workers).items() if v is not None}
    given.update(seed=args.seed, progress=not args.quiet)
    if args.model == "gaussian":
        model = GaussianSkipGram(
            energy=args.energy, covariance=args.covariance, margin=args.margin,
            mu_max=args.mu_max, var_min=args.var_min, var_max=args.var_max,
            tied=not args.untied, variance_rate=args.variance_rate,
            var_init=min(max(1.0, args.var_min), args.var_max), **given)
    elif args.model == "ppmi-svd":
        model = PPMISVD(**{k: v for k, v in given.items()
                           if k in ("dim", "window", "sample", "seed", "progress")})
    elif args.model == "softmax":
        model = SoftmaxSkipGram(**{k: v for k, v in given.items()
                                   if k not in ("negative", "ns_exponent")})
    elif args.model == "cbow":
        model = CBOW(**given)
    elif args.model == "pv-dbow":
        model = PVDBOW(train_words=not args.no_words, shared_negatives=not args.per_pair,
                       **given)
    else:
        model = SkipGram(shared_negatives=not args.per_pair, **given)
    start = time.perf_counter()
    reading = dict(min_count=args.min_count, max_vocab_size=args.max_vocab_size,
                   lowercase=args.lowercase, token_pattern=args.token_pattern, unk=args.unk,
                   progress=not args.quiet)
    if args.max_token_length is not None:
        reading["max_token_length"] = args.max_token_length
    corpus = Documents(args.corpus, text_field=args.text_field, id_field=args.id_field,
                       **reading) if args.model == "pv-dbow" else Corpus(args.corpus, **reading)
    logger.info("%s", corpus)
    model.fit(corpus)
    model.save(args.output)
    r = model.report_
    rate = (f"{r.words:,} words in {r.seconds:.1f} s ({r.words_per_second:,.0f} words/s; "
            f"loss {format_loss(r.loss)})" if hasattr(r, "words") else
            f"{r.positive_cells:,} PPMI cells in {r.seconds:.1f} s")
    print(f"trained on {rate}; {time.perf_counter() - start:.1f} s in all; "
          f"model written to {args.output}")
    return 0


def _load_vectors(path: str, docs: bool = False):
    """A model's word vectors, or (``docs``) its document vectors."""
    from wordspace.models.base import load_model

    model = load_model(path, mmap=True)
    if not docs:
        return _word_vectors(model, path)
    if not hasattr(model, "dv"):
        raise ValueError(f"{path} holds a {type(model).__name__}, which has no document "
                         "vectors (train one with --model pv-dbow)")
    return model.dv


def _word_vectors(model, path: str):
    vectors = getattr(model, "vectors", None)
    if vectors is None:
        raise ValueError(f"{path} holds {model!r}, which has no word vectors")
    return vectors


def _print_table(rows) -> None:
    width = max((len(w) for w, _ in rows), default=0)
    for word, score in rows:
        print(f"{word:<{width}}  {score:.4f}")


def _add_query(sub) -> None:
    p = _subcommand(sub, "similar", help="nearest neighbours of a word (or document)",
                       description="List the words whose vectors are closest (cosine) "
                                   "to WORD's; with --doc, the documents closest to "
                                   "document WORD's (a pv-dbow model).")
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("word", metavar="WORD")
    p.add_argument("--topn", type=_positive_int, default=10, help="how many neighbours")
    p.add_argument("--doc", action="store_true", help="WORD is a document id")
    p.set_defaults(func=lambda a: _print_table(
        _load_vectors(a.model, a.doc).most_similar(a.word, topn=a.topn)))

    p = _subcommand(
        sub, "infer", help="vectors for new documents, and their nearest documents",
        description="Infer a vector for each new document (each TEXT argument, or each "
                    "line of standard input) with a pv-dbow model, and list the training "
                    "documents nearest to it. Texts are tokenised as the model's training "
                    "collection was (its --lowercase and --token-pattern).")
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("texts", nargs="*", metavar="TEXT",
                   help="documents to infer (default: one per line of standard input)")
    p.add_argument("--topn", type=_positive_int, default=5,
                   help="how many nearest documents")
    p.add_argument("--vector", action="store_true",
                   help="print the inferred vectors instead of neighbours")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="inference passes over each document (default: the model's epochs)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: the model's)")
    p.set_defaults(func=_infer)

    p = _subcommand(sub, "analogy", help="A is to B as C is to ?",
                       description="Answer an analogy by 3CosAdd (b - a + c) or 3CosMul, "
                                   "e.g. 'man king woman' -> queen.")
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("c")
    p.add_argument("--topn", type=_positive_int, default=5, help="how many answers")
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd")
    p.set_defaults(func=lambda a: _print_table(
        _load_vectors(a.model).analogy(a.a, a.b, a.c, topn=a.topn, method=a.method)))


def _infer(a) -> None:
    dv = _load_vectors(a.model, docs=True)
    texts = a.texts or [line for line in sys.stdin if line.strip()]
    if not texts:
        raise ValueError("no documents given (pass TEXT arguments or lines on stdin)")
    vectors = dv.infer_many(texts, epochs=a.epochs, seed=a.seed)
    for i, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        if a.vector:
            print(" ".join(f"{x:.6g}" for x in vector))
            continue
        snippet = " ".join(text.split())
        if i:
            print()
        print(f"{snippet[:70]}{'...' if len(snippet) > 70 else ''}")
        if vector.any():
            _print_table(dv.most_similar(vector, topn=a.topn))
        else:
            print("(none of its words is in the model's vocabulary)")


def _add_export(sub) -> None:
    p = _subcommand(sub, "export", help="write vectors in word2vec format",
                       description="Write the word vectors as a word2vec text or binary "
                                   "file, readable by gensim, word2vec.c and fastText.")
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="file to write; an existing word2vec file is replaced atomically, "
                        "any other file is refused")
    p.add_argument("--format", choices=["word2vec", "word2vec-binary"], default="word2vec",
                   help="text (word2vec) or binary (word2vec-binary)")
    p.add_argument("--docs", action="store_true",
                   help="write the document vectors (by id) of a pv-dbow model")

    def run(a) -> None:
        _check_vectors_output(a.output)
        vectors = _load_vectors(a.model, a.docs)
        vectors.save_word2vec_format(a.output, binary=a.format == "word2vec-binary")
        print(f"wrote {len(vectors):,} vectors of dimension {vectors.dim} to {a.output}")

    p.set_defaults(func=run)


def _check_vectors_output(path: str) -> None:
    """Refuse to replace anything but a word2vec file (whose first line is 'n dim')."""
    from pathlib import Path

    target = Path(path)
    if target.is_dir():
        raise FileExistsError(f"{path} is a directory: give the vectors file's path")
    if target.exists():
        with open(target, "rb") as f:
            header = f.readline(64).split()
        if len(header) != 2 or not all(x.isdigit() for x in header):
            raise FileExistsError(f"{path} exists and is not a word2vec file: wordspace "
                                  "does not replace it; choose another name or move it away")


def _add_eval(sub) -> None:
    from wordspace.datasets import names

    p = _subcommand(
        sub, "eval", help="score vectors on similarity and analogy benchmarks",
        description="Spearman rho on word-similarity sets and accuracy on analogy sets "
                    "(candidates restricted to the most frequent words, a, b, c excluded), "
                    "with gensim's protocols. Datasets are fetched by name (see 'wordspace "
                    "data list') or taken from the WORDSPACE_DATA mirror.",
        formatter_class=_DefaultsFormatter)
    p.add_argument("model", metavar="MODEL_DIR",
                   help="model directory, or a word2vec file (.txt or .bin)")
    p.add_argument("--datasets", nargs="+", metavar="NAME", default=None,
                   choices=names("similarity") + names("analogy") + names("entailment"),
                   help="default: ws353, ws353-sim, ws353-rel, simlex999, google; and bless, "
                        "wbless for Gaussian models")
    p.add_argument("--method", nargs="+", choices=["3cosadd", "3cosmul"], default=["3cosadd"],
                   help="analogy scoring")
    p.add_argument("--restrict-vocab", type=_positive_int, default=30000,
                   help="analogy candidates: this many most frequent words")
    p.add_argument("--case-sensitive", action="store_true",
                   help="match dataset words exactly (default: lowercase, as gensim)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def run(a) -> None:
        import json

        from wordspace.evaluate import DEFAULT_DATASETS, evaluate, format_table

        model = _load_scorable(a.model)
        names = a.datasets or list(DEFAULT_DATASETS) + (
            ["bless", "wbless"] if hasattr(model, "distributions") else [])
        results = evaluate(model, names, a.method, a.restrict_vocab,
                           lowercase=not a.case_sensitive)
        print(json.dumps(results, indent=2) if a.json else format_table(results))

    p.set_defaults(func=run)


def _load_scorable(path: str):
    """A model directory, or a word2vec file read as vectors."""
    from pathlib import Path

    from wordspace import Vectors
    from wordspace.models.base import load_model

    if Path(path).is_file():
        return Vectors.load_word2vec_format(path)
    return load_model(path, mmap=True)


def _add_plot(sub) -> None:
    p = _subcommand(
        sub, "plot", help="draw a 2-D map of words and their neighbours",
        description="Project the given words (and each one's nearest neighbours) to 2-D by "
                    "PCA or t-SNE and draw them labelled, one colour per query word. "
                    "Writes PNG, SVG or PDF, by the output's suffix.",
        formatter_class=_DefaultsFormatter)
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("words", nargs="+", metavar="WORD")
    p.add_argument("-o", "--output", default="map.png", metavar="FILE")
    p.add_argument("--method", choices=["pca", "tsne"], default="pca")
    p.add_argument("--neighbours", type=_int_at_least(0), default=8, metavar="K",
                   help="also draw each word's K nearest neighbours (0: none)")
    p.add_argument("--seed", type=int, default=0, help="random seed for t-SNE")
    p.add_argument("--gaussians", action="store_true",
                   help="for a Gaussian model: draw the distributions as ellipses (PCA)")

    def run(a) -> None:
        from wordspace.models.base import load_model
        from wordspace.plot import embedding_map, save_figure

        model = load_model(a.model, mmap=True)
        space = getattr(model, "distributions", None) if a.gaussians else None
        fig = embedding_map(space or _word_vectors(model, a.model), a.words,
                            neighbours=a.neighbours, method=a.method, seed=a.seed)
        print(f"wrote {save_figure(fig, a.output)}")

    p.set_defaults(func=run)


def _add_data(sub) -> None:
    from wordspace.datasets import names

    p = _subcommand(
        sub, "data", help="list, fetch and locate datasets",
        description="Datasets are downloaded once into $WORDSPACE_HOME/datasets (default "
                    "~/.cache/wordspace), checked and unpacked; with WORDSPACE_DATA set to "
                    "a mirror directory they are taken from there instead.")
    actions = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    actions.add_parser("list", help="every dataset: name, kind, size, where it is"
                       ).set_defaults(func=_data_list)
    for action, helptext in (("get", "download a dataset (if not already here)"),
                             ("path", "print a dataset's local path (fetching it if needed)")):
        q = actions.add_parser(action, help=helptext)
        q.add_argument("name", choices=names(), metavar="NAME")
        q.add_argument("--quiet", action="store_true", help="no progress bar")
        q.set_defaults(func=_data_get)


def _data_list(a) -> None:
    from wordspace import datasets

    print(f"{'name':<13} {'kind':<11} {'size':>9}  {'where':<8} description")
    for name in datasets.names():
        d = datasets.info(name)
        found = datasets.locate(name)
        size = f"{d.size / 1e6:.1f} MB" if d.size else ""
        where = found[1] if found else "-"
        print(f"{name:<13} {d.kind:<11} {size:>9}  {where:<8} {d.description}")


def _data_get(a) -> None:
    from wordspace import datasets

    print(datasets.path(a.name, progress=not a.quiet))


def _add_convae(sub) -> None:
    p = _subcommand(
        sub, "convae", help="convolutional autoencoder with a transposed-convolution decoder",
        description="Train a convolutional autoencoder (convolution + ReLU to encode, the "
                    "transposed convolution to decode) on scikit-learn's 8x8 digits, print "
                    "the reconstruction error per epoch and write a picture of originals, "
                    "reconstructions and filters. 'wordspace convae explain' prints the "
                    "convolution matrix W and the padded-code convolution that equals W^T.",
        formatter_class=_DefaultsFormatter)
    p.add_argument("action", nargs="?", choices=["train", "explain"], default="train")
    p.add_argument("-o", "--output", default="convae", metavar="DIR",
                   help="where to write convae.png")
    p.add_argument("--epochs", type=_positive_int, default=30)
    p.add_argument("--filters", type=_positive_int, default=8)
    p.add_argument("--kernel-size", type=_positive_int, default=3)
    p.add_argument("--stride", type=_positive_int, default=1)
    p.add_argument("--untied", action="store_true", help="a decoder kernel of its own")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_convae)


def _convae(a) -> None:
    from pathlib import Path

    from wordspace.convae.explain import explain, figure
    from wordspace.convae.model import ConvAutoencoder, load_digits_images, mean_image_error
    from wordspace.plot import save_figure

    if a.action == "explain":
        print(explain())
        return
    images = load_digits_images()
    model = ConvAutoencoder(filters=a.filters, kernel_size=a.kernel_size, stride=a.stride,
                            tied=not a.untied, epochs=a.epochs, seed=a.seed).fit(images)
    for epoch, error in enumerate(model.history_, 1):
        print(f"epoch {epoch:>3}: reconstruction error {error:.4f}")
    print(f"reconstruction error {model.reconstruction_error(images):.4f} per image "
          f"(predicting the mean image: {mean_image_error(images):.4f})")
    path = save_figure(figure(model, images), Path(a.output) / "convae.png")
    print(f"wrote {path}")


def build_parser() -> argparse.ArgumentParser:
    """The ``wordspace`` argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="wordspace", description="Learn word representations from raw text, and use them.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"wordspace {__version__}")
    sub = parser.add_subparsers(title="subcommands", metavar="SUBCOMMAND", required=True)
    _add_train(sub)
    _add_query(sub)
    _add_eval(sub)
    _add_plot(sub)
    _add_export(sub)
    _add_data(sub)
    _add_convae(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``wordspace`` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, ImportError,
            MemoryError) as e:
        if args.verbose:  # the whole story, for a bug report
            raise
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"wordspace: error: {message} (-v shows the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
