"""The ``wordspace`` command line: train, query and export word vectors.

Run ``wordspace --help`` for the subcommands and ``wordspace SUBCOMMAND --help`` for each.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import itertools
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wordspace import __version__
from wordspace._validate import is_number

logger = logging.getLogger("wordspace")

_EPILOG = """examples:
  wordspace train text8 -o text8-model               # skip-gram, 100-d, 5 epochs
  wordspace similar text8-model france --topn 5
  wordspace analogy text8-model man king woman       # man is to king as woman is to ?
  wordspace eval text8-model --datasets ws353 simlex999 google
  wordspace plot text8-model france king computer --neighbours 8 -o map.png
  wordspace export text8-model -o vectors.bin --format word2vec-binary
  wordspace export text8-model -o projector --format projector --limit 10000
  wordspace export text8-model -o text8-vectors --format vectors-dir  # Vectors.load(mmap='r')
  wordspace train text8 --model fasttext -o text8-ft  # subwords: vectors for unseen words
  wordspace similar text8-ft unbelievablly
  echo doggos unbelievablly | wordspace vectors text8-ft   # fastText's print-word-vectors
  wordspace sentence-vectors text8-ft < lines.txt    # fastText's print-sentence-vectors
  wordspace train bbc --model pv-dbow --lowercase --token-pattern '\\w+' --min-count 2 \\
      -o bbc-model                                   # words without their punctuation
  wordspace similar bbc-model tech/001.txt --doc     # nearest documents
  echo "the striker scored twice" | wordspace infer bbc-model
  wordspace train bbc --model pv-dm --lowercase --token-pattern '\\w+' --min-count 2 \\
      -o bbc-dm                                      # PV-DM: gensim's default
  wordspace phrases text8 -o text8-phrases.txt --table phrases.tsv  # new york -> new_york
  wordspace train text8 --phrases phrases.tsv -o m  # that table, joined while reading
  wordspace data list
  wordspace cache list                               # encoded corpora kept, and why
  wordspace cache clean --dry-run                    # what no run will use again
  wordspace convae explain                           # convolution as a matrix, and W^T
"""

#: ``wordspace``'s exit statuses, for the help and docs/reliability.md
EXIT_STATUSES = """exit statuses (the same with -v, which adds the traceback of an error):
  0    done
  1    done in part (cache clean: some could not be removed); or a bug (a traceback)
  2    an error, said in one line: the command line, a file, the corpus, a model, the
       training (diverged, nothing trained, out of memory or disk), standard output
  130  interrupted (Ctrl-C); train keeps its last checkpoint
  141  standard output closed by its reader (| head)
  143  stopped by SIGTERM; train --checkpoint-every writes a checkpoint first
"""

#: each subcommand's examples, ending its help (train's and phrases' are their own)
_EXAMPLES = {
    "similar": """examples:
  wordspace similar text8-model france --topn 5
  wordspace similar text8-model france paris           # a table for each word
  echo "france paris" | wordspace similar text8-model  # words from standard input
  wordspace similar vectors.bin france                 # a word2vec file (or .vec, .txt)
  wordspace similar bbc-model tech/001.txt --doc       # nearest documents
  wordspace similar text8-gauss animal --by kl         # Gaussian: what lies inside first
""",
    "analogy": """examples:
  wordspace analogy text8-model man king woman         # man is to king as woman is to ?
  wordspace analogy text8-model man king woman paris france berlin --topn 1
  wordspace analogy text8-model --method 3cosmul < triples.txt  # a triple a line
""",
    "vectors": """examples:
  wordspace vectors text8-model france paris
  wordspace vectors text8-ft doggos unbelievablly      # unseen words, from their n-grams
  wordspace vectors vectors.bin < words.txt > rows.txt
""",
    "sentence-vectors": """examples:
  wordspace sentence-vectors text8-ft "the striker scored twice"
  wordspace sentence-vectors text8-ft < lines.txt > vectors.txt  # a row a line
""",
    "infer": """examples:
  echo "the striker scored twice" | wordspace infer bbc-model
  wordspace infer bbc-model "the striker scored twice" --topn 3
  wordspace infer bbc-model --vector < docs.txt > vectors.txt   # a row a line
""",
    "eval": """examples:
  wordspace eval text8-model              # ws353 and its halves, simlex999, google
  wordspace eval text8-model --datasets ws353 simlex999 --json
  wordspace eval vectors.bin --datasets google --restrict-vocab 0 --method 3cosmul
  wordspace eval text8-model --datasets pairs.txt analogy:questions.txt  # your own
""",
    "plot": """examples:
  wordspace plot text8-model france king computer --neighbours 8 -o map.png
  wordspace plot text8-model france king computer --method tsne -o map.svg
  wordspace plot text8-gauss animal dog --gaussians -o gaussians.pdf
""",
    "export": """examples:
  wordspace export text8-model -o vectors.bin          # word2vec binary, by the name
  wordspace export text8-model -o vectors.txt.gz --limit 100000  # text, compressed
  wordspace export text8-model -o projector --format projector --limit 10000
  wordspace export text8-model -o text8-vectors --format vectors-dir  # memory-mapped
  wordspace export text8-ft -o text8-ft.bin --format fasttext  # fastText's own .bin
  wordspace export bbc-model -o documents.txt --docs   # the document vectors
""",
}


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only where it says something: not None, not a flag's
    False, and not where the help already gives it. A description or epilog written in
    lines (examples, a formula) is laid out as written; one in one piece is refilled."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action):
        if action.default is None or action.default is False or action.default == [] \
                or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _int_at_least(minimum: int, below: int | None = None):
    """An argparse type: an integer ``>= minimum`` (and ``< below``, if given)."""
    allowed = f">= {minimum}" if below is None else f"from {minimum} to {below - 1}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (below is not None and value >= below):
            raise argparse.ArgumentTypeError(f"must be an integer {allowed}, got {text!r}")
        return value

    parse.__name__ = f"integer {allowed}"
    return parse


_positive_int = _int_at_least(1)
#: a seed as NumPy's legacy generators take it (scikit-learn's t-SNE, the autoencoder)
_seed = _int_at_least(0, 2 ** 32)


_VERBOSE_HELP = "log progress detail (corpus, cache, timings)"


def _subcommand(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """A subcommand parser with the options every subcommand shares. Its ``-v`` leaves
    the one given before it (``wordspace -v train``, ``data -v get``) as it is when not
    given itself: the default is the top level's (argparse would reset it)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help=_VERBOSE_HELP)
    kwargs.setdefault("formatter_class", _DefaultsFormatter)
    if name in _EXAMPLES:
        kwargs.setdefault("epilog", _EXAMPLES[name])
    return sub.add_parser(name, parents=[common], **kwargs)


#: fastText's, word2vec.c's and gensim's option names (lowercase, without dashes or
#: underscores: _foreign_key) that train does not take, and wordspace's way to them
_FOREIGN_TRAIN_OPTIONS = {
    **dict.fromkeys(("input", "train"), "the corpus is train's first argument: "
                                         "wordspace train CORPUS -o MODEL_DIR"),
    "output": "use -o MODEL_DIR (a model directory; 'wordspace export MODEL -o x.vec' then "
              "writes a vectors file)",
    **dict.fromkeys(("size", "dim", "vectorsize"), "use --dim"),  # gensim's vector_size
    **dict.fromkeys(("ws", "window"), "use --window"),
    **dict.fromkeys(("epoch", "iter"), "use --epochs"),
    **dict.fromkeys(("neg", "negative"), "use --negative"),
    **dict.fromkeys(("lr", "alpha"), "use --alpha"),
    "lrupdaterate": "the rate falls linearly from --alpha to --min-alpha, with no other "
                    "setting",
    **dict.fromkeys(("thread", "threads"), "use --workers"),
    **dict.fromkeys(("t", "sample"), "use --sample"),
    "mincount": "use --min-count",
    "minn": "use --min-n",
    "maxn": "use --max-n",
    "bucket": "use --bucket",
    "loss": "negative sampling (-loss ns) is the default; -loss hs is --hs, -loss softmax "
            "is --model softmax",
    "hs": "use --hs",
    "cbow": "use --model cbow (or --model fasttext --cbow)",
    "binary": "train writes a model directory; 'wordspace export MODEL -o vectors.bin' then "
              "writes word2vec's binary format (-o vectors.txt: text)",
    "savevocab": "the model directory holds the vocabulary with its counts (vocab.tsv)",
    "readvocab": "the vocabulary is counted from the corpus as it is read, and cached",
    "wordngrams": "word n-grams serve fastText's supervised classifier, which wordspace does "
                  "not train; to learn multi-word terms, join phrases first (wordspace "
                  "phrases, or train --phrases)",
    "pretrainedvectors": "use --init VECTORS",
    "verbose": "use -v (--verbose)",
    # gensim's parameters, as options
    "sg": "skip-gram (sgns) is the default model; gensim's sg=0 is --model cbow",
    "dm": "gensim's Doc2Vec dm=1 is --model pv-dm, dm=0 --model pv-dbow",
    "dbowwords": "pv-dbow trains word vectors beside the documents (gensim's "
                 "dbow_words=1); --no-words leaves them out",
    "dmconcat": "not supported: --model pv-dm averages the window and the document",
    "cbowmean": "the window's mean is the default (gensim's cbow_mean=1); --no-cbow-mean "
                "sums (cbow_mean=0)",
    "dmmean": "pv-dm's mean of the window and the document is the default (gensim's "
              "dm_mean=1); --no-dm-mean sums (dm_mean=0)",
}
_LEAVE_OUT = "{typed} is wordspace's default: leave it out"
#: of those, the advice for a value given (-hs 0 asks for wordspace's default)
_FOREIGN_BY_VALUE = {
    "cbow": {"0": _LEAVE_OUT}, "hs": {"0": _LEAVE_OUT},
    "sg": {"1": "{typed} (skip-gram, sgns) is wordspace's default: leave it out",
           "0": "use --model cbow"},
    "dm": {"1": "use --model pv-dm", "0": "use --model pv-dbow"},
    "dbowwords": {"1": _LEAVE_OUT, "0": "use --no-words"},
    "cbowmean": {"1": _LEAVE_OUT, "0": "use --no-cbow-mean"},
    "dmmean": {"1": _LEAVE_OUT, "0": "use --no-dm-mean"},
}


def _foreign_key(typed: str) -> str:
    """Another tool's option as its tables name it: lowercase, without dashes or
    underscores (``--dbow_words``, gensim's spelling, is ``--dbow-words``)."""
    return typed.lstrip("-").replace("-", "").replace("_", "").lower()


#: fastText's subcommands that wordspace has none of, and what to do instead
_FASTTEXT_COMMANDS = {
    "skipgram": "fastText's skipgram is 'wordspace train CORPUS -o MODEL_DIR --model "
                "fasttext'",
    "cbow": "fastText's cbow is 'wordspace train CORPUS -o MODEL_DIR --model fasttext "
            "--cbow'",
    "print-word-vectors": "use 'wordspace vectors MODEL' (words from standard input too)",
    "print-sentence-vectors": "use 'wordspace sentence-vectors MODEL'",
    "nn": "use 'wordspace similar MODEL' (words from standard input too)",
    "analogies": "use 'wordspace analogy MODEL', whose triple A B C is B - A + C "
                 "(fastText's: A - B + C)",
    **dict.fromkeys(("supervised", "predict", "predict-prob", "test"),
                    "wordspace trains and runs no classifier: use fastText itself "
                    "(wordspace reads a classifier's word vectors)"),
    "quantize": "wordspace quantises no model (nor reads a quantised .ftz): use fastText "
                "itself",
}
#: other tools' names for a choice (by the option taking it), and wordspace's
_CHOICE_ALIASES = {
    "SUBCOMMAND": _FASTTEXT_COMMANDS,
    "--model": {
        **dict.fromkeys(("skipgram", "skip-gram", "skip_gram", "sg"),
                        "use --model sgns (skip-gram with negative sampling, the default)"),
        **dict.fromkeys(("word2vec", "w2v"),
                        "word2vec's skip-gram is --model sgns (the default), its CBOW "
                        "--model cbow (gensim's Word2Vec default)"),
        "doc2vec": "gensim's Doc2Vec is --model pv-dm (its default, dm=1) or --model "
                   "pv-dbow (dm=0)",
        "dm": "use --model pv-dm", "dbow": "use --model pv-dbow",
    },
    "--format": {
        **dict.fromkeys(("text", "txt", "vec", "w2v"),
                        "use --format word2vec (word2vec's text format, as fastText's "
                        ".vec)"),
        **dict.fromkeys(("bin", "binary"), "use --format word2vec-binary (word2vec's "
                                           "binary; --format fasttext: fastText's .bin)"),
        **dict.fromkeys(("tsv", "tensorboard"),
                        "use --format projector (the Embedding Projector's two TSV files)"),
        **dict.fromkeys(("npy", "numpy", "kv", "keyedvectors"),
                        "use --format vectors-dir (the matrix as .npy, Vectors.load reads "
                        "it)"),
    },
}


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser, which takes options between its positionals
    (``similar MODEL --topn 3 WORD``): argparse's own parse fills a ``*`` positional
    before the first option, and then calls the words after it unrecognised."""

    _mixing = False
    #: other tools' option names this subcommand explains (train: fastText's, word2vec.c's,
    #: gensim's)
    foreign_options: dict[str, str] = {}
    #: what to say of arguments it did not expect, if anything (eval: dataset names)
    extra_advice = None

    def add_argument(self, *args, **kwargs):
        # argparse counts a "*" positional without a default as required, and names it
        # among those missing ("required: MODEL, WORD" where WORD may be left out)
        if kwargs.get("nargs") == "*" and args and not args[0].startswith("-"):
            kwargs.setdefault("default", [])
        return super().add_argument(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        if self._mixing or self._subparsers is not None:  # intermixing refuses subparsers
            return super().parse_known_args(args, namespace)
        given = self._given = list(sys.argv[1:] if args is None else args)
        for k, arg in enumerate(given):
            after = given[k + 1] if k + 1 < len(given) else None  # the option's value
            if arg == "--":
                break
            if (advice := self._foreign(arg)) is not None:
                typed, equals, value = arg.partition("=")
                by_value = _FOREIGN_BY_VALUE.get(_foreign_key(typed), {})
                value = value if equals else after
                if value in by_value:
                    advice = by_value[value].format(typed=f"{typed} {value}")
                self._usage_line = self._short_usage()
                self.error(f"unrecognized option {typed}: {advice}")
        # before the intermixed parse, which hides the positionals while it runs
        self._usage_line = self._short_usage()
        self._mixing = True  # the intermixed parse calls this method back, twice
        try:
            namespace, extras = self.parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False
        if extras:  # said with this subcommand's usage, not the top level's
            self.error(self._unrecognized(extras))
        return namespace, extras

    def _foreign(self, arg: str) -> str | None:
        """What :attr:`foreign_options` says of ``arg`` when it is another tool's option
        that this parser would not take (``-iter``, ``-thread``), or misread (``-hs`` as
        ``-h s``, ``-output`` as ``-o utput``); None for anything else, a value included."""
        typed = arg.partition("=")[0]
        if not typed.startswith("-") or typed in self._option_string_actions:
            return None
        advice = self.foreign_options.get(_foreign_key(typed))
        if advice is None:
            return None
        if typed.startswith("--") and len(  # argparse takes an unambiguous prefix (--epoch)
                [o for o in self._option_string_actions if o.startswith(typed)]) == 1:
            return None
        return advice

    def _unrecognized(self, extras: list[str]) -> str:
        """What was not understood, with the closest of this subcommand's options to each
        option not its own (``--dimm``: did you mean ``--dim``?)."""
        known = [s for s in self._option_string_actions if s.startswith("--")]
        said = []
        for extra in extras:
            if not extra.startswith("-") or extra == "-" or is_number(extra):
                continue  # a value (--dimm 50's 50) or a word, not an option
            typed = extra.partition("=")[0]
            close = difflib.get_close_matches(typed, known, n=3, cutoff=0.75)
            said.append(f"{typed}: did you mean {' or '.join(close)}?" if close else typed)
        if len(said) == 1:
            return f"unrecognized option {said[0]}"
        if said:
            return "unrecognized options " + "; ".join(said)
        advice = self.extra_advice(extras) if self.extra_advice is not None else None
        return f"unrecognized arguments: {' '.join(extras)}" + (f"; {advice}" if advice
                                                               else "")

    def _short_usage(self) -> str:
        """``usage: wordspace train [options] -o MODEL_DIR corpus``: the positionals and
        the required options only."""
        formatter = self._get_formatter()
        formatter.add_usage(None, [a for a in self._actions if not a.option_strings
                                   or a.required], [])
        return formatter.format_help().replace(self.prog, f"{self.prog} [options]", 1)

    def _swallowed(self, message: str) -> str:
        """For a positional argparse found missing, which option taking a list
        (``--connector-words of the CORPUS``) took the words after it, and how to give
        them apart; else ""."""
        missing = message.partition("the following arguments are required: ")[2]
        positional = next((name for name in missing.split(", ") if name
                           and not name.startswith("-")), None)
        if positional is None:
            return ""
        for k, arg in enumerate(given := getattr(self, "_given", [])):
            if arg == "--":
                break
            action = self._option_string_actions.get(arg)
            if action is None or action.nargs not in ("+", "*"):
                continue
            taken = list(itertools.takewhile(lambda a: not a.startswith("-"), given[k + 1:]))
            if taken:
                return (f"; {arg} took every word after it ({' '.join(taken)}): give "
                        f"{positional} before {arg}, or end its words with -- and give "
                        f"{positional} last")
        return ""

    def error(self, message: str):
        """The error under a one-line usage (train's whole one is 30 lines), pointing to
        ``--help`` for the options."""
        usage = getattr(self, "_usage_line", None) or self._short_usage()
        self.exit(2, f"{usage}{self.prog}: error: {_closest_choice(message)}"
                     f"{self._swallowed(message)} (all options: {self.prog} --help)\n")


def _closest_choice(message: str) -> str:
    """argparse's "invalid choice: 'trian' (choose from ...)" with the closest choices
    named first (``did you mean 'train'?``), the list after them (a guess may be wrong:
    ``ws35`` may mean a dataset not close in spelling), or, for another tool's name of a
    choice
    (``--format text``), wordspace's (:data:`_CHOICE_ALIASES`); any other message as it
    is."""
    found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
    if found is None:
        return message
    option = re.match(r"argument (\S+):", message)
    alias = _CHOICE_ALIASES.get(option and option[1], {}).get(found[1].lower())
    if alias is not None:
        return f"{message.partition(': invalid')[0]}: {found[1]!r} is not one: {alias}"
    close = difflib.get_close_matches(found[1], re.findall(r"'([^']*)'", found[2]), n=2,
                                      cutoff=0.6)
    return message if not close else (
        f"{message.partition(': invalid')[0]}: {found[1]!r} is not one; did you mean "
        f"{' or '.join(repr(c) for c in close)}? (choose from {found[2]})")


class _TopParser(argparse.ArgumentParser):
    """``wordspace``'s own parser: a misspelt subcommand gets the closest ones."""

    def error(self, message: str):
        super().error(_closest_choice(message))


class UsageError(ValueError):
    """A command line asking for something its model cannot take (one line, exit code 2)."""


@dataclass(frozen=True)
class _Option:
    """A ``train`` option setting a parameter of the model (``target="model"``) or of the
    corpus it reads (``"corpus"``: the model's ``_corpus_type``). Which models take it and
    their defaults are read from the signatures, never written here. ``switch``: the
    option takes no value and sets the parameter to this (``--untied``: ``tied=False``)."""

    param: str
    help: str
    flag: str = ""
    switch: bool | None = None
    choices: tuple[str, ...] = ()
    target: str = "model"
    group: str = ""
    metavar: str | None = None
    action: type[argparse.Action] | None = None  # how a value is read, if not as the type

    @property
    def option(self) -> str:
        """The option as typed: ``--ns-exponent`` for ``ns_exponent``."""
        return self.flag or "--" + self.param.replace("_", "-")


class _NamedValues(argparse.Action):
    """``--device-option NAME=VALUE``, repeated: a dict of names and values (``1024`` an
    int, ``0.5`` a float, ``true`` / ``false`` / ``none`` as such, anything else a string)."""

    def __call__(self, parser, namespace, text, option_string=None):
        name, equals, value = text.partition("=")
        if not (equals and name.strip() and value.strip()):
            raise argparse.ArgumentError(self, f"expected NAME=VALUE, got {text!r}")
        given = dict(getattr(namespace, self.dest) or {})
        given[name.strip().replace("-", "_")] = _literal(value.strip())
        setattr(namespace, self.dest, given)


def _literal(text: str):
    """A command line's value as what it spells: a bool, None, an int, a float or text."""
    words = {"true": True, "false": False, "none": None}
    if text.lower() in words:
        return words[text.lower()]
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text


# Helps say what a parameter means; defaults and the models taking it are appended from
# the classes. Choices are kept here (the models validate against tuples inside
# _validate), and tests/test_cli.py checks they are what each model accepts.
_DECLARED = (
    _Option("min_count", "ignore words rarer than this", target="corpus"),
    _Option("max_vocab_size", "prune the rarest words while counting beyond this many",
            target="corpus"),
    _Option("max_final_vocab", "keep at most this many words, the most frequent (gensim's "
            "max_final_vocab: raises --min-count)", target="corpus"),
    _Option("phrases", "join the phrases of a table saved by 'wordspace phrases --table' "
            "(new york -> new_york) while reading, as if training on the text 'wordspace "
            "phrases' writes; read the text as the table's was (--lowercase, "
            "--token-pattern)",
            target="corpus", metavar="TABLE.tsv"),
    _Option("lowercase", "lowercase the text first", switch=True, target="corpus"),
    _Option("token_pattern", r"tokens are the regex's matches (e.g. '\w+'); none: "
            "whitespace-separated", target="corpus", metavar="REGEX"),
    _Option("unk", "map rare words to <unk> instead of dropping them", switch=True,
            target="corpus"),
    _Option("max_token_length", "leave out longer tokens, with a warning", target="corpus"),
    _Option("text_field", "JSON lines: the text's field", target="corpus"),
    _Option("id_field", "JSON lines: the id's field", target="corpus"),
    _Option("dim", "vector dimensions"),
    _Option("window", "maximum context distance"),
    _Option("shrink_windows", "every centre takes the whole window, not one drawn from "
            "1..window as in word2vec.c and gensim (gensim's shrink_windows=False; on "
            "the CPU only)", flag="--no-shrink-windows", switch=False),
    _Option("negative", "negatives per centre word; 0 with --hs"),
    _Option("hs", "a hierarchical softmax over a Huffman tree of the counts instead of "
            "negative sampling (word2vec.c's -hs 1; --negative is then 0)", switch=True),
    _Option("sample", "subsampling threshold for frequent words, 0 for none"),
    _Option("ns_exponent", "negatives drawn proportionally to count**this"),
    _Option("epochs", "passes over the corpus"),
    _Option("alpha", "initial learning rate"),
    _Option("min_alpha", "final learning rate; none: the model's, from --alpha"),
    _Option("shared_negatives", "word2vec.c's per-pair update instead of shared negatives",
            flag="--per-pair", switch=False),
    _Option("batch", "centre words per dense step"),
    _Option("energy", "similarity between distributions: expected likelihood (symmetric) "
            "or -KL (asymmetric)", choices=("el", "kl")),
    _Option("covariance", "a variance per dimension, or one per word",
            choices=("diagonal", "spherical")),
    _Option("margin", "max-margin loss's margin"),
    _Option("mu_max", "bound on the means' norm"),
    _Option("var_min", "lower bound on variances"),
    _Option("var_max", "upper bound on variances"),
    _Option("var_init", "initial variance, within the bounds"),
    _Option("variance_rate", "variances' learning rate relative to the means'"),
    _Option("tied", "separate word and context distributions", flag="--untied",
            switch=False),
    _Option("weighting", "a pair at distance d counts (window - d + 1) / window, or 1",
            choices=("dynamic", "uniform")),
    _Option("cds", "context-distribution smoothing exponent"),
    _Option("neg", "PMI shifted by -log(this); 1: no shift", flag="--shift"),
    _Option("eig", "word vectors U S^this"),
    _Option("add_contexts", "word vectors U S^p alone, without the contexts' V S^p",
            flag="--no-contexts", switch=False),
    _Option("n_iter", "power iterations of the randomised SVD"),
    _Option("min_n", "shortest character n-gram of <word> in a word's bag"),
    _Option("max_n", "longest character n-gram; 0: no n-grams"),
    _Option("bucket", "rows the n-grams are hashed into (bucket x dim x 4 bytes)"),
    _Option("cbow", "CBOW over the words' n-gram bags instead of skip-gram", switch=True),
    _Option("output_rate", "output vectors' learning rate as a share of --alpha; none: "
            "0.5 for skip-gram with shared negatives trained on 15 M words or more "
            "(corpus words x epochs), else 1"),
    _Option("train_words", "document vectors only, no skip-gram word vectors beside them "
            "(faster)", flag="--no-words", switch=False),
    _Option("cbow_mean", "the window's input is the sum of its words' vectors, not their "
            "mean (gensim's cbow_mean=0; on the CPU only)", flag="--no-cbow-mean",
            switch=False),
    _Option("dm_mean", "the input is the sum of the window's and the document's vectors, "
            "not their mean (gensim's dm_mean=0; on the CPU only)", flag="--no-dm-mean",
            switch=False),
    _Option("workers", "training threads; none: the model's choice (all cores for most)",
            group="run"),
    _Option("device", "cpu, or cuda / cuda:N to train on a GPU (pip install "
            "wordspace[cuda])", group="run", metavar="DEVICE"),
    _Option("device_options", "an option of the GPU's executor, e.g. concurrent_chunks=1024 "
            "(repeat for more; docs/gpu.md lists them)", flag="--device-option",
            group="run", metavar="NAME=VALUE", action=_NamedValues),
    _Option("seed", "random seed", group="run"),
)
#: model parameters set by a run option rather than their own (``--quiet``)
_RUN_PARAMS = {"progress"}
_TYPES = {"int": int, "float": float, "str": str, "bool": bool}


def _signature(cls) -> dict[str, inspect.Parameter]:
    return {name: p for name, p in inspect.signature(cls.__init__).parameters.items()
            if name not in ("self", "source")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _owners(option: _Option) -> dict[str, inspect.Parameter]:
    """The models (by ``--model`` name) taking ``option``, with their parameter."""
    from wordspace.models import MODELS

    found = {}
    for name, cls in MODELS.items():
        target = cls if option.target == "model" else cls._corpus_type
        p = _signature(target).get(option.param)
        if p is not None:
            found[name] = p
    return found


def _value_type(p: inspect.Parameter) -> type:
    """int, float or str, from the annotation (``int | None`` is int) or the default."""
    a = p.annotation
    text = a if isinstance(a, str) else getattr(a, "__name__", str(a))
    names = [t.strip() for t in text.split("|") if t.strip() != "None"]
    if len(names) == 1 and names[0] in _TYPES:
        return _TYPES[names[0]]
    return type(p.default) if p.default not in (None, p.empty) else str


def _docstring_help(cls, param: str) -> str:
    """The first sentence describing ``param`` in ``cls``'s numpydoc Parameters section."""
    lines = (inspect.getdoc(cls) or "").splitlines()
    for i, line in enumerate(lines):
        names = line.partition(" : ")[0]
        if not line.startswith(" ") and param in (n.strip() for n in names.split(",")):
            text = []
            for follow in lines[i + 1:]:
                if not follow.startswith(" "):
                    break
                text.append(follow.strip())
            first = " ".join(text).split(". ")[0].rstrip(".")
            # reStructuredText read as plain text: ``x`` and :class:`~a.X` as x and X
            first = re.sub(r":\w+:`~?(?:\w+\.)*([^`]*)`", r"\1", first)
            return first.replace("``", "")
    return ""


def _options() -> list[_Option]:
    """The declared options, then one for each model parameter none of them sets, so a
    parameter added to a model is an option at once (its help from the docstring)."""
    from wordspace.models import MODELS

    options = list(_DECLARED)
    known = {o.param for o in options if o.target == "model"} | _RUN_PARAMS
    for cls in MODELS.values():
        for param, p in _signature(cls).items():
            if param in known:
                continue
            known.add(param)
            switch = flag = None
            if isinstance(p.default, bool):  # a flag that turns the default over
                switch = not p.default
                flag = ("--" if switch else "--no-") + param.replace("_", "-")
            options.append(_Option(param, _docstring_help(cls, param), flag=flag or "",
                                   switch=switch))
    return options


def _show(value) -> str:
    return "none" if value is None else str(value)


def _defaults_text(option: _Option, owners: dict[str, inspect.Parameter],
                   own_group: bool = False) -> str:
    """Which models take the option and their defaults, e.g. ``default: 100; gaussian:
    50`` or ``default: 5; not softmax, ppmi-svd``; for a switch, only the models. In a
    group named after its only model, the model goes without saying."""
    from wordspace.models import MODELS

    if option.switch is not None:
        return "" if len(owners) == len(MODELS) or own_group else ", ".join(owners)
    if own_group:
        return f"default: {_show(next(iter(owners.values())).default)}"
    by_value: dict[str, list[str]] = {}
    for model, p in owners.items():
        by_value.setdefault(_show(p.default), []).append(model)
    groups = sorted(by_value.items(), key=lambda kv: -len(kv[1]))  # stable: registry order
    if 2 * len(owners) <= len(MODELS):  # a few models: name them all
        return "; ".join(f"{', '.join(models)}: {value}" for value, models in groups)
    parts = [f"default: {groups[0][0]}"]
    parts += [f"{', '.join(models)}: {value}" for value, models in groups[1:]]
    missing = [m for m in MODELS if m not in owners]
    if missing:
        parts.append("not " + ", ".join(missing))
    return "; ".join(parts)


def _add_train_options(p: argparse.ArgumentParser) -> None:
    """An option for every parameter of the registered models and of their corpora."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for title in ("corpus", "model"):
        groups[title] = p.add_argument_group(title)
    for o in _options():
        owners = _owners(o)
        if not owners:
            continue
        if o.param in ("corpus", "func"):  # argparse would let it overwrite train's own
            raise RuntimeError(f"a model parameter may not be named {o.param!r}")
        title = o.group or (o.target if o.target == "corpus" or len(owners) > 1
                            else f"{next(iter(owners))} model")
        if title not in groups:
            groups[title] = p.add_argument_group(title)
        own = title == f"{next(iter(owners))} model"  # the title names the one model
        text = _defaults_text(o, owners, own)
        kwargs = dict(dest=o.param, default=None,
                      help=(f"{o.help} ({text})" if text else o.help).replace("%", "%%"))
        if o.switch is not None:
            kwargs.update(action="store_const", const=o.switch)
        elif o.action is not None:
            kwargs.update(action=o.action, metavar=o.metavar)
        else:
            kwargs.update(type=_value_type(next(iter(owners.values()))),
                          choices=o.choices or None,
                          metavar=o.metavar or (None if o.choices else
                                                o.option[2:].upper().replace("-", "_")))
        groups[title].add_argument(o.option, **kwargs)
    run = groups.get("run") or p.add_argument_group("run")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--checkpoint-every", type=_checkpoint_every, default=None,
                     metavar="WHEN",
                     help="write a checkpoint to MODEL_DIR.partial every WHEN: a duration "
                          "(30s, 10m, 2h) or a number of epochs (2e); the same command "
                          "run again after a crash resumes from it (with the checkpoint's "
                          "--workers, taken when --workers is not given), and it is removed "
                          "once the model is written (window models, not --update; see "
                          "docs/checkpoints.md)")
    run.add_argument("--restart", action="store_true",
                     help="remove the checkpoint MODEL_DIR.partial of an earlier run and "
                          "start over (with --update: only removes it)")
    run.add_argument("--update", default=None, metavar="MODEL",
                     help="continue training MODEL (a model directory or a fastText .bin) "
                          "on the corpus: its new words are added, its settings kept "
                          "(--epochs, --alpha, --min-alpha, --workers, --seed, --device "
                          "and --device-option may change: options given are added to "
                          "the model's, --device cpu drops them); the result is written "
                          "to -o. An update is not checkpointed: --checkpoint-every is "
                          "refused with it (--restart only removes MODEL_DIR.partial)")
    run.add_argument("--init", default=None, metavar="VECTORS",
                     help="start from pretrained vectors (a model directory, a fastText "
                          ".bin, a word2vec, .vec or GloVe file of the same dimension): "
                          "their words' rows are copied, the others start as usual")
    run.add_argument("--sync-interval", type=float, default=None, metavar="SECONDS",
                     help="under torchrun: seconds between the ranks' synchronisation "
                          "rounds (default: 0.05; see docs/distributed.md)")
    run.add_argument("--sync-rows", type=int, default=None, metavar="N",
                     help="under torchrun: the fewest rows (most frequent words) a round "
                          "synchronises; rounds take N, 2N, N, 4N, ... (default: 1024)")
    run.add_argument("--sync-rate-scale", type=float, default=None, metavar="X",
                     help="under torchrun: multiply the learning rate by X (default: 1 "
                          "when changes are summed, the number of ranks when averaged)")
    run.add_argument("--sync-combine", choices=("sum", "average"), default=None,
                     help="under torchrun: add the ranks' changes (sum, the default: every "
                          "update counts once, as threads' do) or average them (pWord2Vec's "
                          "model averaging)")


def _checkpoint_every(text: str):
    from wordspace.engine.checkpoint import Every

    try:
        return Every.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a duration such as 30s, 10m or 2h, or a "
                                         f"number of epochs such as 2e; got {text!r}") from None


def checkpoint_path(output: str | os.PathLike) -> Path:
    """Where ``train -o OUTPUT`` keeps its checkpoint: ``OUTPUT.partial`` beside it."""
    output = Path(output)
    if not output.name:  # '.', './' or '': named as the folder it is, so that the
        # output's own check (which refuses it) speaks, not Path.with_name
        output = Path(os.path.abspath(output))
    return output.parent / (output.name + ".partial")


class _SaveModel:
    """Writes the model once it is complete, before its checkpoint is removed, and
    beside it the ``record`` of the command that made it (:func:`_command_record`)."""

    def __init__(self, path: str, record: dict | None = None):
        self.path, self.record = path, record

    def on_train_end(self, model, report) -> None:
        from wordspace._io import atomic_write
        from wordspace.distributed import rank
        from wordspace.models.base import COMMAND_RECORD

        if rank() != 0:  # in a distributed run, every rank holds the same model
            return
        try:
            model.save(self.path)
        except OSError as e:  # a file put in the model's folder meanwhile, a full device
            raise OSError(f"{e}. {self._kept(model)}") from e
        if self.record is not None:  # after the model: a kill between leaves none
            record = {**self.record, "files": _file_digests(Path(self.path))}
            try:
                # as open as the model's own files, which kept the access of the
                # model it replaced
                with atomic_write(Path(self.path) / COMMAND_RECORD, "w",
                                  like=Path(self.path) / "config.json") as f:
                    json.dump(record, f, indent=1)
            except OSError as e:  # the model is whole: only a requeue's shortcut is lost
                logger.warning("%s is written, but not the record of the command that made "
                               "it (%s): a requeued job would train it again", self.path, e)

    def _kept(self, model) -> str:
        """Where the training whose save failed is kept, and how to finish it, in words:
        the finished run written as the checkpoint beside the model (which the same
        command turns into the model), or else the last checkpoint written, if any. A
        checkpoint of another run there is never replaced (it may be hours of another
        resumable run's training)."""
        from wordspace.engine.checkpoint import CheckpointMismatch, holds_training

        partial = checkpoint_path(self.path)
        try:  # refused where another run's checkpoint is (other settings, another corpus)
            model._keep_as_checkpoint(partial)
        except CheckpointMismatch as e:
            return (f"The trained model could not be kept: {partial} holds the "
                    f"checkpoint of another run ({'; '.join(e.differences)}), which is "
                    "left as it is: none of this training is left")
        except (OSError, ValueError, RuntimeError) as e:
            why = f" ({e})" if not isinstance(e, RuntimeError) else ""
            if model._resumable and holds_training(partial):  # this run's: keep checked
                return (f"The finished training could not be kept{why}; the last checkpoint "
                        f"written is kept at {partial}: once the cause is fixed, run the "
                        "same command again to resume from it")
            return f"The finished training could not be kept either{why}: none of it is left"
        return (f"The trained model is kept at {partial} (a checkpoint of the finished run): "
                f"once the cause is fixed, run the same command again (the same -o), which "
                "writes the model from it without training")


#: ``train``'s options that do not decide the model it writes: a requeued job may run
#: on another machine, with other paths to the same corpus and other cores
_NOT_THE_MODEL = ("func", "verbose", "quiet", "workers", "output", "corpus",
                  "checkpoint_every", "restart")
#: ``train``'s options naming files whose contents decide the model (pretrained vectors,
#: the model an update continues): recorded by their files' digests, not by their paths,
#: which may differ between ranks and machines while what they hold may change in place
_READ_FILES = ("init", "update", "phrases")


def _command_record(args, kind: str, corpus=None) -> dict | None:
    """What ``train`` records of the command that made a model: the options that decide
    it and its corpus's files (:func:`~wordspace.corpus.source_identity`: as ``corpus``
    found them before reading them, when given); None when the corpus cannot be looked
    at (the run says why, or has said)."""
    from wordspace.corpus import source_identity

    options = {k: _comparable(v) for k, v in sorted(vars(args).items())
               if k not in _NOT_THE_MODEL and k not in _READ_FILES}
    # the files as ``corpus`` found them before reading them (what the model learnt
    # from), else as they are now
    before = None if corpus is None else corpus.source_identity()
    try:
        files = source_identity(args.corpus, kind) if before is None else before
        read = {name: _path_digests(Path(path)) for name in _READ_FILES
                if (path := getattr(args, name, None)) is not None}
    except (OSError, ValueError):
        return None
    # as JSON gives it back (lists, not tuples), to compare with a record read
    return json.loads(json.dumps({"command": "wordspace train", "version": 1,
                                  "options": options, "corpus": files, "read": read}))


def _path_digests(path: Path) -> dict[str, list]:
    """A file's, or each file of a directory's, size and BLAKE2b (:func:`_file_digests`)."""
    return _file_digests(path) if path.is_dir() else _file_digests(path.parent, path.name)


def _file_digests(directory: Path, only: str | None = None) -> dict[str, list]:
    """Each file of a model directory but the command's record (or the file ``only``):
    its size and BLAKE2b."""
    import hashlib

    from wordspace.models.base import COMMAND_RECORD

    digests = {}
    entries = [directory / only] if only is not None else sorted(directory.iterdir())
    for entry in entries:
        if entry.name != COMMAND_RECORD:
            with open(entry, "rb") as f:
                digests[entry.name] = [os.fstat(f.fileno()).st_size,
                                       hashlib.file_digest(f, "blake2b").hexdigest()]
    return digests


def _already_trained(args, kind: str, partial: Path) -> bool:
    """Whether ``args.output`` holds the model this very command finished (a job
    requeued after it completed): its record names these options and this corpus,
    every file it lists is as written and no other is there, and no checkpoint waits
    at ``partial`` (a run of this command or another, to resume). Asked of every rank
    of a distributed run, which all go on training unless all say yes."""
    from wordspace._json import parse_json
    from wordspace.distributed.group import _world_from_environment, current_group
    from wordspace.engine.checkpoint import is_checkpoint
    from wordspace.models.base import COMMAND_RECORD

    try:
        record = parse_json((Path(args.output) / COMMAND_RECORD).read_bytes())
        done = isinstance(record, dict) and not is_checkpoint(partial) \
            and record.pop("files", None) == _file_digests(Path(args.output)) \
            and record == _command_record(args, kind)
    except (OSError, ValueError):  # none, unreadable, or not the command's
        done = False
    if _world_from_environment() > 1:
        done = all(current_group().all_gather(done, what="the finished model's check"))
    return done


_TRAIN_EPILOG = """examples:
  wordspace train text8 -o text8-model                 # skip-gram (sgns), 100-d, 5 epochs
  wordspace train text8 --model cbow --window 8 -o text8-cbow
  wordspace train text8 --model fasttext -o text8-ft   # vectors for unseen words too
  wordspace train bbc --model pv-dbow --lowercase --token-pattern '\\w+' --min-count 2 \\
      -o bbc-model                                     # words without their punctuation
  wordspace train text8 -o m --checkpoint-every 1e     # run again after a crash: resumes
  wordspace train text8 -o m --workers 8 --epochs 10 --quiet
  wordspace train text8 --phrases phrases.tsv -o m     # a table from 'phrases --table'
  wordspace train more.txt --update text8-model -o m2  # continue on new text
"""


def _add_train(sub) -> None:
    from wordspace.models import MODELS

    p = _subcommand(
        sub, "train", help="train word vectors on a corpus",
        description="Train word vectors (skip-gram with negative sampling by default) or "
                    "document vectors. CORPUS is a text file (plain, .gz, .bz2, .xz), one "
                    "sentence per line or one long line like text8, or a folder of such "
                    "files. For --model pv-dbow or pv-dm it holds documents: JSON lines with "
                    "'text' and 'id' fields, one document a line (ids are line numbers), or a "
                    "folder with a document per file. The model directory holds the "
                    "vectors, the vocabulary and a training report. Options left unset "
                    "take the model's defaults, shown per model; an option the model has "
                    "no parameter for is an error.",
        epilog=f"{_TRAIN_EPILOG}\n{EXIT_STATUSES}")
    p.add_argument("corpus", help="text file, folder of text files, or a dataset name "
                                  "from 'wordspace data list' (e.g. text8, or bbc for "
                                  "pv-dbow)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL_DIR",
                   help="model directory to write (not a vectors file: 'wordspace export' "
                        "writes those from it); an existing model directory is replaced "
                        "atomically (with --checkpoint-every, one this very command "
                        "finished is kept: nothing is trained), anything else there is "
                        "refused before training, and so is a second run writing the "
                        "same MODEL_DIR at once; if the save fails anyway, the trained "
                        "model is kept in MODEL_DIR.partial, which the same command run "
                        "again writes out without training (not ppmi-svd's, which is "
                        "lost)")
    p.add_argument("--model", default=None, choices=list(MODELS),
                   help="skip-gram with negative sampling, CBOW (the window's mean predicts "
                        "the word), fastText's subword vectors (a vector for every word, "
                        "even unseen ones), full-softmax skip-gram (exact; small vocabularies), "
                        "Gaussian skip-gram (words as distributions), count-based PPMI + "
                        "truncated SVD, or document vectors (doc2vec): PV-DBOW (the document "
                        "predicts its words) or PV-DM (the document and a window's words "
                        "predict the word) (default: sgns; with --update, MODEL's kind)")
    _add_train_options(p)
    p.foreign_options = _FOREIGN_TRAIN_OPTIONS
    p.set_defaults(func=_train)


def build_model(args: argparse.Namespace):
    """What ``train``'s arguments ask for, without reading the corpus: ``(model, corpus
    class, its keyword arguments)``.

    Only the options given are passed, so every other parameter keeps its class's
    default; an option for a parameter the model lacks is a :class:`UsageError` naming
    the models that have it.
    """
    from wordspace.models import MODELS

    if getattr(args, "update", None) is not None:
        return _model_to_update(args)
    args.model = args.model or "sgns"
    cls = MODELS[args.model]
    params, reading = {}, {}
    for o, value in _given(args):
        owners = _owners(o)
        if args.model not in owners:
            also = "; CBOW is a model of its own: --model cbow" \
                if o.option == "--cbow" else ""
            raise UsageError(f"{o.option} is not a parameter of {args.model} (it is one of: "
                             f"{', '.join(owners)}){also}")
        (params if o.target == "model" else reading)[o.param] = value
    if params.get("hs") and "negative" not in params:
        params["negative"] = 0  # the tree replaces the negatives (word2vec.c: -hs 1 -negative 0)
    elif params.get("hs") and params["negative"]:  # said as typed, not as hs=True
        raise UsageError(f"--negative {params['negative']} with --hs: the hierarchical "
                         "softmax replaces negative sampling (gensim trains both objectives "
                         "when both are set; wordspace trains one): leave --negative out, "
                         "--hs sets it to 0")
    _quiet(args, cls, params, reading)
    with _said_as_options(params, f"{args.model}'s default"):
        model = cls(**params)
        model._validate()  # refused now, not after reading the corpus
    return model, cls._corpus_type, reading


@contextmanager
def _said_as_options(params: dict, whose: str):
    """A model's ValueError naming a parameter, said with the option's name as typed
    (``--shift``, not ``neg``), as a :class:`UsageError`; ``whose``: where the values not
    in ``params`` (the options given) come from."""
    try:
        yield
    except ValueError as e:
        name, rest = (str(e).split(" ", 1) + [""])[:2]
        name = name.rstrip(":")
        option = next((o.option for o in _options()
                       if o.param == name and o.target == "model"), None)
        if option is not None and name in params:
            raise UsageError(f"{option} {rest}") from e
        if option is not None:  # a value clashing with options given (--var-min 2)
            raise UsageError(f"{e} ({whose}: set {option})") from e
        raise


def _given(args: argparse.Namespace) -> list[tuple[_Option, object]]:
    """The model and corpus options given on ``train``'s command line, with their values."""
    return [(o, getattr(args, o.param)) for o in _options()
            if getattr(args, o.param, None) is not None]


def _quiet(args: argparse.Namespace, cls, params: dict, reading: dict) -> None:
    """``--quiet``: no progress bars while reading, nor (where it has one) training."""
    if args.quiet:
        reading["progress"] = False
        if "progress" in _signature(cls):
            params["progress"] = False


_MISSING = object()  # no such attribute: unequal to any value given

#: what ``train --update`` may change: how the update is trained, never the model's shape
_UPDATE_PARAMS = ("epochs", "alpha", "min_alpha", "workers", "seed", "device",
                  "device_options")


def _model_to_update(args: argparse.Namespace):
    """:func:`build_model` for ``train --update MODEL``: the model read from ``MODEL``,
    with the options that may change for an update applied and any other model option
    refused (its value is ``MODEL``'s)."""
    from wordspace.models import MODELS
    from wordspace.models.base import load_scorable

    if args.init is not None:
        raise UsageError("--update continues a model's own vectors; --init starts a new "
                         "model from pretrained ones: give one of them")
    if args.checkpoint_every:  # (--restart only removes MODEL_DIR.partial)
        raise UsageError("--checkpoint-every is for new models, not --update")
    model = load_scorable(args.update)
    if isinstance(model, _vectors_type()):
        from wordspace.fasttext_format import is_fasttext_file, is_supervised

        what = ("a supervised fastText classifier holds word vectors but no per-word output "
                "rows to continue" if Path(args.update).is_file()
                and is_fasttext_file(args.update) and is_supervised(args.update)
                else "a vectors file holds no model to continue (no output weights, no "
                     "counts)")
        raise UsageError(f"--update {args.update}: {what}: start a new model from its "
                         "vectors with --init instead")
    kind = next(name for name, cls in MODELS.items() if type(model) is cls)
    if args.model is not None and args.model != kind:
        raise UsageError(f"--model {args.model}: {args.update} holds a {kind} model, and "
                         "an update keeps its kind")
    args.model = kind
    params, reading = {}, {}
    for o, value in _given(args):
        if o.target != "model":
            reading[o.param] = value
        elif o.param in _UPDATE_PARAMS:
            params[o.param] = value
        elif value == getattr(model, o.param, _MISSING):  # the model's own: nothing to do
            continue
        else:
            may = ", ".join(o.option for o in _options() if o.param in _UPDATE_PARAMS)
            raise UsageError(f"{o.option}: {args.update}'s own value is kept by --update "
                             f"(only {may} may change)")
    # more text is read as the model's was (older models recorded nothing)
    for name, value in (getattr(model, "tokenization_", None) or {}).items():
        if name in reading and reading[name] != value:
            raise UsageError(f"--{name.replace('_', '-')}: {args.update} learnt from text "
                             f"read with {name}={value!r}, and --update reads more text "
                             "the same way")
        reading[name] = value
    if "device_options" in params:  # more options, or new values of the model's
        params["device_options"] = {**(model.device_options or {}),
                                    **params["device_options"]}
    elif str(params.get("device", "")).strip().lower() == "cpu":
        params["device_options"] = None  # the GPU executor's, which the CPU has not
    _quiet(args, type(model), params, reading)
    try:
        model._check_updatable()  # PPMI+SVD and PV-DBOW say what to do instead
    except TypeError as e:
        raise UsageError(str(e)) from None
    model.set_params(**params)  # every updatable model has each of _UPDATE_PARAMS
    with _said_as_options(params, f"{args.update}'s value"):
        model._validate()
    return model, type(model)._corpus_type, reading


#: names of the vectors files word2vec.c's -output writes, which train's -o (a model
#: directory) is not
_VECTORS_FILE_SUFFIXES = (".bin", ".vec", ".txt")


def _check_model_directory_name(output: str) -> None:
    """Refuse ``train -o vectors.bin`` (word2vec.c's ``-output``), which would make a
    model directory named as a vectors file, saying how to get the file."""
    import shlex

    from wordspace._io import compressed_suffix

    path = Path(output)
    try:
        if path.is_dir() or checkpoint_path(path).exists():  # a model (or run) of that
            return  # name already: an update of it, or a resumed run, goes on as before
    except OSError:  # a name too long, say: the path checks after this one say so
        pass
    compressed = compressed_suffix(path)
    plain = path.with_suffix("") if compressed else path
    if not compressed and plain.suffix.lower() not in _VECTORS_FILE_SUFFIXES:
        return
    stem = plain.with_suffix("") if plain.suffix.lower() in _VECTORS_FILE_SUFFIXES \
        else plain
    kind = ("word2vec's binary format" if plain.suffix.lower() == ".bin"
            else "word2vec text") + (", compressed" if compressed else "")
    raise UsageError(f"-o {output} names a vectors file, but train's -o names the model "
                     f"directory it writes (vectors, vocabulary, settings): give a "
                     f"directory name, e.g. -o {shlex.quote(str(stem))}, then 'wordspace "
                     f"export {shlex.quote(str(stem))} -o {shlex.quote(output)}' writes "
                     f"{kind}")


def _train(args) -> int:
    from contextlib import ExitStack

    with ExitStack() as held:  # the output's lock, for the run's whole life
        return _train_holding(args, held)


def _output_lock(output: str):
    """The lock of ``train -o OUTPUT`` (:func:`~wordspace._io.exclusive_lock`), held by
    the run writing it: a second run writing the same model (and its checkpoint) is
    refused at once, however the path is spelt. The lock file is wordspace's, under
    ``$WORDSPACE_HOME/locks``, named by a digest of the path, never beside the model."""
    from wordspace._io import cache_home, exclusive_lock, path_key

    return exclusive_lock(cache_home() / "locks" / f"train-{path_key(output)}.lock",
                          wait=False)


def _train_holding(args, held) -> int:
    """``train``, whose output's lock is taken into ``held`` (an ``ExitStack``)."""
    from wordspace._io import LockHeld, NameTooLongError
    from wordspace.engine.checkpoint import (
        CheckpointMismatch,
        check_checkpoint_path,
        holds_training,
        remove_checkpoint,
    )
    from wordspace.models.base import check_model_path
    from wordspace.train import format_loss

    _check_model_directory_name(args.output)
    # from the start: a SIGTERM while the run is being set up (a distributed rank joining
    # its group) is a stop asked, not the end of the rank; put back once the run is over.
    # Only Python's main thread may set a handler: main() called from another thread
    # leaves signals to the program that runs it
    if threading.current_thread() is threading.main_thread():
        held.callback(signal.signal, signal.SIGTERM, signal.signal(
            signal.SIGTERM, _stop_with_a_checkpoint if args.checkpoint_every
            else _stop_without_a_checkpoint))
    model, corpus_type, reading = build_model(args)
    _read_phrase_table(reading)
    partial = checkpoint_path(args.output)
    if (args.checkpoint_every or args.restart) and not model._resumable:
        raise UsageError(f"--checkpoint-every and --restart are for window models; "
                         f"{args.model} trains in one pass")
    try:  # before hours of training, not after
        if os.environ.get("RANK", "0") == "0":  # a distributed run's rank 0 writes it
            try:
                held.enter_context(_output_lock(args.output))
            except LockHeld as e:
                pid = "" if e.pid is None else f" (pid {e.pid})"
                raise RuntimeError(f"another wordspace run{pid} is writing "
                                   f"{args.output}: wait for it to end, or write to "
                                   "another -o") from None
        check_model_path(args.output)
        model._check_resources(update=args.update is not None)  # a GPU, memory
        if args.checkpoint_every or args.restart:
            try:
                check_checkpoint_path(partial)  # only a checkpoint is replaced there
            except NameTooLongError as e:  # said of the name the user chose
                longest = e.limit - len(partial.name) + len(Path(args.output).name)
                raise NameTooLongError(
                    f"-o {args.output}: its checkpoint beside it, {partial.name}, would "
                    f"have a name longer than the {e.limit} bytes its file system takes: "
                    f"give -o a name of at most {longest} bytes", e.limit) from None
        short = None
    except (OSError, ValueError, RuntimeError) as e:
        from wordspace.distributed.group import _world_from_environment

        if _world_from_environment() <= 1:
            raise
        # this rank's own paths or resources: said by every rank once they meet (the
        # others would wait for this one until the group's timeout, half an hour)
        short = e
    # a resume keeps the checkpoint's workers: taken when --workers is not given
    workers = None if short is not None or args.restart else _checkpoint_s_workers(
        args, model, partial)
    finishing = False  # from a finished run's checkpoint, kept when its save failed
    if short is None and args.restart and not args.checkpoint_every:
        remove_checkpoint(partial)
    elif short is None and model._resumable and holds_training(partial) \
            and not args.checkpoint_every:  # (a one-pass model keeps no finished run)
        finishing = _finishes(model, partial, corpus_type.reading_settings_for(**reading),
                              resumable=args.update is None)
    if workers is not None and args.checkpoint_every:
        logger.warning("%s was made with %d workers, and a resume keeps them: training "
                       "with %d (not this machine's default of %d)", partial, workers,
                       workers, model._workers)
        model.set_params(workers=workers)
    start = time.perf_counter()
    sync = _sync_settings(args)
    _check_distributed(args, model, partial, short)
    kind = corpus_type._dataset_kind
    if args.checkpoint_every and not args.restart and _already_trained(args, kind, partial):
        # a job requeued (Slurm, after a pre-emption) once it had finished: done
        from wordspace.distributed import rank

        if rank() == 0:
            print(f"{args.output} already holds the model this command trained (the "
                  "same options and corpus, every file as written): nothing to train "
                  "(--restart trains it again)")
        return 0
    if args.checkpoint_every and not args.restart and short is None:
        # made with other settings, or the corpus read otherwise: before the reading
        model._check_checkpoint(partial, corpus_type.reading_settings_for(**reading))
    # loaded and checked (dimension, model) before hours of reading, not after
    init = None if args.init is None else model._initial_vectors(args.init)
    corpus = corpus_type(args.corpus, **reading)
    logger.info("%s", corpus)
    _check_room_for(args, model, corpus)
    saver = _SaveModel(args.output, _command_record(args, kind, corpus))
    checkpoint = partial if args.checkpoint_every or finishing else None
    if model._resumable:
        def fit(checkpoint):
            # saved before the checkpoint goes: a crash at any moment loses no training; a
            # save that fails keeps the finished run as the checkpoint (_SaveModel._kept)
            model.fit(corpus, checkpoint=checkpoint, checkpoint_every=args.checkpoint_every,
                      restart=bool(checkpoint and args.restart), callbacks=[saver],
                      sync=sync, init=init, update=args.update is not None)

        try:
            fit(checkpoint)
        except CheckpointMismatch as e:
            if not finishing:
                raise
            # found once the corpus is read (another corpus, an update of a model since
            # changed): not this command's finished run, nothing of it is used
            logger.warning("%s holds a finished run made otherwise (%s), which is not used "
                           "and is left as it is: training from the start", partial,
                           "; ".join(e.differences))
            fit(None)
    else:
        model.fit(corpus, sync=sync, init=init, update=args.update is not None)
        saver.on_train_end(model, model.report_)
    if getattr(corpus, "group", None) is not None and corpus.group.rank != 0:
        return 0  # rank 0 reports and has written the model
    r = model.report_
    # the last epoch's mean, named as such: the bar's loss is that since its last refresh
    rate = (f"{r.words:,} words in {r.seconds:.1f} s ({r.words_per_second:,.0f} words/s; "
            f"last epoch's mean loss {format_loss(r.loss)})" if hasattr(r, "words") else
            f"{r.positive_cells:,} PPMI cells in {r.seconds:.1f} s")
    elapsed = f"{time.perf_counter() - start:.1f} s in all" + (
        " this time (resumed: the training time counts the interrupted runs too)"
        if getattr(r, "resumed", False) else "")  # the run's own word: a checkpoint
    # folder found at the start may have held nothing to resume (a refused start's)
    print(f"trained on {rate}; {elapsed}; model written to {args.output}")
    return 0


def _checkpoint_s_workers(args, model, partial: Path) -> int | None:
    """The worker count of the checkpoint at ``partial``, which a resume must keep, when
    ``--workers`` is not given and it is not the default (all this machine's cores): a
    job requeued on a node with other cores then resumes. None otherwise."""
    from wordspace.engine.checkpoint import checkpoint_config

    if args.workers is not None or not model._resumable or model._device != "cpu":
        return None  # (a device's run has one lane)
    saved = (checkpoint_config(partial) or {}).get("lanes")
    if not isinstance(saved, int) or isinstance(saved, bool) or saved < 1 \
            or saved == model._workers:
        return None
    return saved


def _finishes(model, partial: Path, reading: dict, resumable: bool = True) -> bool:
    """Whether the checkpoint at ``partial`` is a finished run of this model's settings
    and corpus's ``reading`` settings (kept when its save failed), which a run without
    ``--checkpoint-every`` then turns into the model, as the message of the failure said
    the same command would; when it is not, a warning says why it is not used (and,
    ``resumable``, that ``--checkpoint-every`` resumes an unfinished one: not an update's)."""
    from wordspace.engine.checkpoint import CheckpointMismatch, is_finished

    if not is_finished(partial):
        logger.warning("%s holds a checkpoint of an earlier run, which is not used: %s"
                       "--restart removes it", partial, "run with --checkpoint-every to "
                       "resume from it, or " if resumable else "")
        return False
    try:
        model._check_checkpoint(partial, reading)  # (the worker count aside: no job left)
    except CheckpointMismatch as e:
        logger.warning("%s holds a finished run of other settings (%s), which is not used: "
                       "run with those to write the model from it, or --restart to remove "
                       "it", partial, "; ".join(e.differences))
        return False
    return True


def _check_room_for(args, model, corpus) -> None:
    """Refuse, once the corpus is read and before training, a device without room for
    what the run will write at its fullest (the model's arrays, as many times as they
    are on the disk at once) or a file size limit (``ulimit -f``) below its largest
    array's file: found by the final save, either cost the whole training."""
    from wordspace._io import check_file_size_limit, check_room
    from wordspace.cache import disk_usage
    from wordspace.distributed.group import _world_from_environment
    from wordspace.engine.checkpoint import holds_training

    sizes = model._saved_sizes(corpus, update=args.update is not None)
    freed = 0  # bytes the run removes before it writes
    world = _world_from_environment()
    output = Path(args.output)
    if not args.checkpoint_every:
        copies, what, floor = 1, "the model", " (its arrays alone)"
    else:
        # a checkpoint is written beside the one before it, and the last stays until the
        # model is written: two copies at once, one of them already there when resuming;
        # a distributed run's ranks each keep their last two, beside rank 0's model
        copies = 2 if world <= 1 else 2 * world + 1
        partial = checkpoint_path(output)
        if world <= 1 and not args.restart and holds_training(partial):
            copies = 1
        elif world <= 1 and args.restart and holds_training(partial):
            # the old checkpoint, which --restart removes before the first is written,
            # still takes its space now: counted as free
            freed = disk_usage(partial)
        what = "the model and its checkpoints beside it"
        floor = (f" ({copies} cop{'y' if copies == 1 else 'ies'} of its arrays, "
                 f"{sum(sizes) / 2**20:,.1f} MiB each, beside any checkpoint already "
                 "there: each checkpoint is written beside the one before it, and the "
                 "last stays until the model is written)")
    if freed:
        floor = f"{floor[:-1]}, less the {freed / 2**20:,.1f} MiB of the one --restart removes)"
    check_room(output, copies * sum(sizes) - freed, what, floor=floor)
    check_file_size_limit(output, max(sizes) + _NPY_HEADER, "the model's largest array")


#: the bytes a ``.npy`` file holds before its array's (numpy pads its header to 64 bytes
#: or more; 128 for the model's shapes)
_NPY_HEADER = 128


def _read_phrase_table(reading: dict) -> None:
    """``--phrases TABLE``: the table read, in ``reading``, before any other work; a file
    missing or not a table is a :class:`UsageError` naming it."""
    path = reading.get("phrases")
    if path is None:
        return
    from wordspace.phrases import Phrases

    try:
        reading["phrases"] = Phrases.load(path)
    except FileNotFoundError:
        raise UsageError(f"--phrases {path}: no such file (a table is saved by "
                         "'wordspace phrases CORPUS -o OUT --table TABLE.tsv', or "
                         "Phrases.save)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--phrases {path}: cannot be read as a phrase table "
                         f"({e.strerror if isinstance(e, OSError) else e})") from None
    except ValueError as e:  # its message names the file and line
        raise UsageError(f"--phrases: {e}") from None


#: the options each rank of a distributed run may give its own way: paths may differ
#: between machines (the corpus's files themselves are compared: name, size, first and last MiB)
_PER_RANK_OPTIONS = ("func", "workers", "verbose", "quiet", "corpus", "output", "init",
                     "update")


def _check_distributed(args, model, partial: Path, short: Exception | None = None) -> None:
    """Under torchrun (``WORLD_SIZE`` > 1), refuse before the corpus is read what a
    distributed run cannot do, ranks given different options, and (on every rank) what
    one rank lacks: ``short``, its resource check's error, if it failed."""
    from wordspace.distributed.group import _world_from_environment

    world = _world_from_environment()
    if world <= 1:
        return
    if not model._resumable:
        raise UsageError(f"--model {args.model} trains in one process: run it without "
                         "torchrun")
    every = args.checkpoint_every
    if every is not None and every.epochs is None:
        raise UsageError("a distributed run checkpoints at epoch ends, where its ranks "
                         "meet: give --checkpoint-every 1e (or 2e, ...)")
    from wordspace.distributed.group import check_agreement, current_group, run_checkpoints
    from wordspace.engine.checkpoint import check_ranks

    run_checkpoints(every is not None)  # a failure from now on: whether to offer a resume
    with _sigterm_ends_the_rank():
        group = current_group()
    _on_every_rank(group, short, "the checks of each rank's paths and resources")
    check_agreement(group, "options", {k: _comparable(v) for k, v in sorted(vars(args).items())
                                       if k not in _PER_RANK_OPTIONS})
    if every is not None and not args.restart:  # said on every rank, or none goes on
        try:
            check_ranks(partial, group.world)
            failure = None
        except (OSError, ValueError) as e:
            failure = e
        _on_every_rank(group, failure, "the checkpoint's check")


@contextmanager
def _sigterm_ends_the_rank():
    """SIGTERM ends the process while it joins its group: a Python handler (the stop with
    a checkpoint) would run only once torch's join returns, which may be the group's
    timeout, half an hour, while nothing has been trained that a checkpoint would keep."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _on_every_rank(group, failure: Exception | None, what: str) -> None:
    """Stop every rank alike when a check failed on any: this rank's ``failure`` raised
    as it is, another rank's said by rank (a :class:`UsageError`)."""
    failures = group.all_gather(None if failure is None else str(failure), what=what)
    if failure is not None:
        raise failure
    other = next((f"rank {r}: {why}" for r, why in enumerate(failures) if why), None)
    if other is not None:
        raise UsageError(f"{other} (this rank stops too)")


def _comparable(value):
    """An option's value as the ranks compare it: plain values and dicts
    (``--device-option``, equal whatever the order their entries were given in) as they
    are, others by repr."""
    return value if isinstance(value, (int, float, str, bool, list, dict, type(None))) \
        else repr(value)


def _stop_with_a_checkpoint(signum, frame) -> None:
    """SIGTERM (a scheduler's pre-emption, ``kill``) while training with checkpoints:
    stop at the next job boundary, checkpoint written; a second SIGTERM stops at once."""
    from wordspace.train import request_stop

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print(f"{_rank_said()}wordspace: SIGTERM: stopping after the next job (on a GPU: the "
          "launch), with a checkpoint (again: stop at once)", file=sys.stderr, flush=True)
    request_stop()


def _stop_without_a_checkpoint(signum, frame) -> None:
    """SIGTERM while training without checkpoints: the run ends at once, as SIGTERM ends
    it (status 143), saying that nothing of it is kept and how a stopped run resumes."""
    print(f"{_rank_said()}wordspace: SIGTERM: training stopped; nothing of it was kept "
          "(with --checkpoint-every, a stopped run writes a checkpoint that the same "
          "command resumes from)", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _sync_settings(args):
    """The distributed run's :class:`SyncSettings` from ``--sync-*`` (None: defaults)."""
    given = {"interval": args.sync_interval, "combine": args.sync_combine,
             "rows": args.sync_rows, "rate_scale": args.sync_rate_scale}
    if all(value is None for value in given.values()):
        return None
    from wordspace.distributed.sync import SyncSettings

    try:
        return SyncSettings(**{k: v for k, v in given.items() if v is not None})
    except ValueError as e:  # said with the option's name (--sync-rows, not rows)
        name, rest = str(e).split(" ", 1)
        raise UsageError(f"--sync-{name.replace('_', '-')} {rest}") from e


def _load_vectors(path: str, docs: bool = False):
    """The word vectors of a model directory or a vectors file (:func:`_load_scorable`),
    or (``docs``) a model's document vectors."""
    return _vectors_of(_load_scorable(path), path, docs)


def _vectors_of(model, path: str, docs: bool = False):
    """:func:`_load_vectors` of the ``model`` already loaded from ``path``: with ``docs``,
    a model's document vectors, or the document vectors a vectors directory holds
    (``export --docs --format vectors-dir``)."""
    from wordspace import DocVectors

    if not docs:
        return _word_vectors(model, path)
    if isinstance(model, DocVectors):
        return model
    if not hasattr(model, "dv"):
        raise ValueError(f"{path} holds {_what(model)}, which has no document vectors "
                         "(train one with --model pv-dbow or pv-dm)")
    return model.dv


def _word_vectors(model, path: str):
    """``model``'s word vectors (``model`` itself if it is vectors read from a file)."""
    if isinstance(model, _vectors_type()):
        return model
    vectors = getattr(model, "vectors", None)
    if vectors is None:
        raise ValueError(f"{path} holds {model!r}, which has no word vectors")
    return vectors


_MODEL_HELP = ("model directory, vectors directory (export --format vectors-dir), "
               "fastText .bin model, or word2vec file (.txt, .bin, .vec; GloVe's .txt, "
               "without a header, too)")


def _print_table(rows) -> None:
    rows = [(str(word), score) for word, score in rows]  # a document's id may be an int
    width = max((len(w) for w, _ in rows), default=0)
    for word, score in rows:
        print(f"{word:<{width}}  {score:.4f}")


#: how a Gaussian model's neighbours may be ranked (``--by`` of similar and plot)
_ENERGY_CHOICES = ("cosine", "el", "kl")
_BY_HELP = ("a Gaussian model's neighbours by cosine of the means, or by an energy: el "
            "(symmetric, the distributions' overlap) or kl (the words whose distributions "
            "lie inside WORD's rank first)")


def _distributions(model, path: str, option: str):
    """A Gaussian ``model``'s distributions, for ``option``; a UsageError for any other."""
    space = getattr(model, "distributions", None)
    if space is None:
        raise UsageError(f"{option} is for a Gaussian model's distributions; {path} holds "
                         f"{_what(model)}, which has none")
    return space


def _add_query(sub) -> None:
    p = _subcommand(sub, "similar", help="nearest neighbours of words (or documents)",
                       description="List the words whose vectors are closest (cosine) "
                                   "to each WORD's; with --doc, the documents closest to "
                                   "document WORD's (a pv-dbow or pv-dm model). Without "
                                   "WORD, reads words from standard input, as fastText's "
                                   "nn does.")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("words", nargs="*", metavar="WORD",
                   help="words (or, with --doc, document ids) to query (default: each word "
                        "of standard input, with a prompt on a terminal)")
    p.add_argument("--topn", type=_positive_int, default=10, help="how many neighbours")
    p.add_argument("--doc", action="store_true",
                   help="WORD is a document id (MODEL: a pv-dbow or pv-dm model, or its "
                        "document vectors as export --docs --format vectors-dir writes them)")
    p.add_argument("--by", choices=_ENERGY_CHOICES, default=None, help=_BY_HELP +
                   " (default: cosine of the means)")
    p.set_defaults(answers=True, func=_similar)

    p = _subcommand(
        sub, "infer", help="vectors for new documents, and their nearest documents",
        description="Infer a vector for each new document (each TEXT argument, or each "
                    "line of standard input) with a pv-dbow or pv-dm model, and list the "
                    "training documents nearest to it. Texts are tokenised as the model's training "
                    "collection was (its --lowercase and --token-pattern).")
    p.add_argument("model", metavar="MODEL_DIR",
                   help="a pv-dbow or pv-dm model directory (inference needs the model: a "
                        "vectors directory of its document vectors has none)")
    p.add_argument("texts", nargs="*", metavar="TEXT",
                   help="documents to infer (default: one per line of standard input)")
    p.add_argument("--topn", type=_positive_int, default=5,
                   help="how many nearest documents")
    p.add_argument("--vector", action="store_true",
                   help="print the inferred vectors instead of neighbours, one line each "
                        "(a document with no word in the vocabulary gets a line of zeros, "
                        "keeping the others' places, and fails the run)")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="inference passes over each document (default: the model's epochs)")
    p.add_argument("--seed", type=_int_at_least(0), default=None,
                   help="random seed (default: the model's)")
    p.set_defaults(answers=True, func=_infer)

    p = _subcommand(sub, "analogy", help="A is to B as C is to ?",
                       description="Answer an analogy by 3CosAdd (b - a + c) or 3CosMul, "
                                   "e.g. 'man king woman' -> queen. Several triples are "
                                   "answered in turn; without any, reads a triple per line "
                                   "of standard input.")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("words", nargs="*", metavar="A B C",
                   help="one or more triples (default: a triple per line of standard input)")
    p.add_argument("--topn", type=_positive_int, default=5, help="how many answers")
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd",
                   help="3CosAdd ranks by cos(x, b) - cos(x, a) + cos(x, c); 3CosMul by "
                        "their product and quotient, which often answers better")
    p.set_defaults(answers=True, func=_analogy)


def _similar(a) -> None:
    if a.doc:
        docs = _load_vectors(a.model, docs=True)
        _answer(a.words, 1, lambda doc: docs.most_similar(doc, topn=a.topn))
        return
    model = _load_scorable(a.model)
    docs = getattr(model, "dv", None)
    if docs is not None and getattr(model, "vectors", None) is None:
        raise UsageError(f"{a.model} holds {_what(model)}, which has no word vectors "
                         "(trained with --no-words): add --doc to find the documents "
                         "nearest to one")
    vectors = _word_vectors(model, a.model)
    space = _distributions(model, a.model, "--by") if a.by else None

    def similar(word: str):
        # a document id typed without --doc: said as such, not as a misspelt word
        if docs is not None and word not in vectors and word in docs:
            raise KeyError(f"{word!r} is a document id, not a word: add --doc to find "
                           "the documents nearest to it")
        if space is not None:
            return space.most_similar(word, topn=a.topn, by=a.by)
        return vectors.most_similar(word, topn=a.topn)

    _answer(a.words, 1, similar)


def _analogy(a) -> None:
    vectors = _load_vectors(a.model)
    _answer(a.words, 3, lambda *abc: vectors.analogy(*abc, topn=a.topn, method=a.method))


class _StdinLines:
    """Standard input's lines, each read when the one before is answered (with
    ``prompt`` before it on a terminal), counted: :func:`_nothing_read` tells an empty
    input from one of blank lines."""

    def __init__(self, prompt: str | None = None):
        self.prompt, self.count = prompt, 0

    def __iter__(self):
        while True:
            if self.prompt and sys.stdin.isatty():
                print(self.prompt, end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                return
            self.count += 1
            yield line


def _queries(given: list[str], arity: int, stdin: _StdinLines | None = None):
    """Queries of ``arity`` words: from the command line, or from standard input (each
    word a query, or each line a triple; ``stdin``, to count its lines), with a prompt
    when it is a terminal, as fastText's ``nn`` and ``analogies`` read them."""
    if given:
        if len(given) % arity:
            raise UsageError(f"expected words in groups of {arity}, got {len(given)}")
        yield from (given[i:i + arity] for i in range(0, len(given), arity))
        return
    if stdin is None:
        stdin = _StdinLines()
    stdin.prompt = "query word? " if arity == 1 else f"query ({arity} words)? "
    for line in stdin:
        words = line.split()
        if arity == 1:
            yield from ([w] for w in words)
        elif words:  # a line of the wrong length is _answer's to report
            yield words


def _answer(given: list[str], arity: int, answer) -> None:
    """Print ``answer(*query)`` for each query (headed by the query when there may be
    several); a query that cannot be answered is reported and fails the run once the
    others are answered."""
    headed = len(given) != arity
    failed, answered = [], 0
    stdin = _StdinLines()
    for query in _queries(given, arity, stdin):
        if len(query) != arity:  # a line of standard input
            failed.append(" ".join(query))
            print(f"wordspace: expected {arity} words, got {' '.join(query)!r}",
                  file=sys.stderr)
            continue
        try:
            rows = answer(*query)
            if not rows:  # a one-word model, or every candidate is a query word
                raise KeyError(f"{' '.join(query)}: no answer, as the vectors hold no "
                               "word besides the query's")
        except (KeyError, ValueError) as e:  # unknown word; a zero or non-finite query
            failed.append(" ".join(query))
            print(f"wordspace: {e.args[0] if e.args else e}", file=sys.stderr)
            continue
        if headed:
            print(("\n" if answered else "") + " ".join(query) + ":")
        _print_table(rows)
        answered += 1
        if not given:  # read as they come: each answer shown before the next query
            sys.stdout.flush()
    if failed:
        raise KeyError(f"{len(failed)} quer{'y' if len(failed) == 1 else 'ies'} could not "
                       f"be answered: " + ", ".join(repr(q) for q in failed[:5]))
    if not answered:
        _nothing_read("query", stdin)


def _nothing_read(what: str, stdin: _StdinLines) -> None:
    """Fail a command that read nothing to answer from piped standard input (at a
    terminal's prompt, ending it at once is a choice, not a mistake), saying whether
    it was empty or held blank lines only."""
    if not sys.stdin.isatty():
        held = "it was empty" if not stdin.count else \
            f"it held {stdin.count:,} blank line{'s' * (stdin.count != 1)} and nothing else"
        raise ValueError(f"no {what} read: give one as an argument, or on standard input "
                         f"({held})")


def _add_vectors(sub) -> None:
    p = _subcommand(
        sub, "vectors", help="print the vector of each word read (fastText's "
                             "print-word-vectors)",
        description="Print 'WORD x1 ... xd' for each word given, or for each word of "
                    "standard input (whitespace-separated). A subword model (fasttext) "
                    "composes a vector for unseen words from their n-grams; a word with "
                    "no vector at all gets a row of zeros, as in fastText (so the rows "
                    "stay one a word), is reported on standard error, and fails the run "
                    "once every word is printed.")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("words", nargs="*", metavar="WORD",
                   help="words to print (default: each word of standard input)")

    def run(a) -> None:
        vectors = _load_vectors(a.model)
        stdin = _StdinLines()
        lines = [a.words] if a.words else (line.split() for line in stdin)
        missing, seen = [], 0
        for words in lines:
            for word in words:
                seen += 1
                try:
                    vector = vectors[word]
                except KeyError:
                    missing.append(word)
                    print(f"wordspace: no vector for {word!r}", file=sys.stderr)
                    print(word, " ".join(["0"] * vectors.dim))  # a row a word, as fastText
                    continue
                print(word, _numbers(vector))
            if not a.words:  # a line's vectors out before the next line is read
                sys.stdout.flush()
        if missing:
            raise KeyError(f"{len(missing)} word(s) have no vector in {a.model}: "
                           + ", ".join(repr(w) for w in missing[:5])
                           + " (a row of zeros printed for each)")
        if not seen:
            _nothing_read("word", stdin)

    p.set_defaults(answers=True, func=run)

    p = _subcommand(
        sub, "sentence-vectors", help="print the vector of each line read (fastText's "
                                      "print-sentence-vectors)",
        description="Print one line of numbers for each TEXT given, or for each line of "
                    "standard input: fastText's sentence vector, the mean of the unit "
                    "vectors of the line's words (split at ASCII whitespace, as fastText "
                    "splits them, not at a no-break space; in a fastText model, unseen "
                    "words composed from their n-grams; any word vectors do). A blank "
                    "line gets a line of zeros, as in fastText; so does a line none of "
                    "whose words has a vector, which is reported on standard error and "
                    "fails the run once every line is printed. A supervised fastText "
                    "classifier's .bin is refused: fastText's sentence vector of a "
                    "classifier is another mean (its raw rows, word n-grams and </s>).")
    p.add_argument("model", metavar="MODEL",
                   help="a model directory, a fastText .bin, or a word2vec binary or "
                        "text file")
    p.add_argument("texts", nargs="*", metavar="TEXT",
                   help="texts to print a vector for (default: each line of standard "
                        "input)")

    def sentences(a) -> None:
        from wordspace._tokens import shorten

        vectors = _load_vectors(a.model)
        vectors._check_sentence_vectors()  # a classifier's refused, before any input
        stdin = _StdinLines()
        texts = a.texts or (line.rstrip("\n") for line in stdin)
        failed, n = [], 0
        for n, text in enumerate(texts, 1):
            vector = vectors.get_sentence_vector(text)
            print(_numbers(vector))
            if text.strip() and not vector.any():
                failed.append(n)
                print(f"wordspace: no word of line {n} has a vector: {shorten(text)}",
                      file=sys.stderr)
            if not a.texts:  # each line's vector out before the next line is read
                sys.stdout.flush()
        if failed:
            raise KeyError(f"{len(failed)} line(s) have no word with a vector in "
                           f"{a.model} (line {', '.join(map(str, failed[:5]))}"
                           f"{', ...' if len(failed) > 5 else ''}, counting from 1): a "
                           "row of zeros printed in its place")
        if not n:
            _nothing_read("line", stdin)

    p.set_defaults(answers=True, func=sentences)


def _numbers(vector) -> str:
    """A vector as a line of numbers, as the vector commands print them."""
    return " ".join(f"{x:.6g}" for x in vector.tolist())


def _infer(a) -> None:
    from wordspace import DocVectors

    model = _load_scorable(a.model)
    if isinstance(model, DocVectors):  # said before stdin is read
        raise UsageError(f"{a.model} holds {_what(model)}, which cannot infer a new "
                         "document's vector: that takes the model (its word and output "
                         "weights); give the model directory the vectors were exported "
                         "from (train --model pv-dbow or pv-dm writes it)")
    dv = _vectors_of(model, a.model, docs=True)
    texts = a.texts or [line for line in sys.stdin if line.strip()]
    if not texts:
        raise ValueError("no documents given (pass TEXT arguments or lines on stdin)")
    vectors = dv.infer_many(texts, epochs=a.epochs, seed=a.seed)
    for i, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        if a.vector:
            print(_numbers(vector))
            continue
        snippet = " ".join(text.split())
        if i:
            print()
        print(f"{snippet[:70]}{'...' if len(snippet) > 70 else ''}")
        if vector.any():
            _print_table(dv.most_similar(vector, topn=a.topn))
        else:
            print("(none of its words is in the model's vocabulary)")
    unknown = [i + 1 for i, vector in enumerate(vectors) if not vector.any()]
    if unknown:  # the others answered (a zero row kept each line's place), then failed
        raise ValueError(f"{len(unknown)} document(s) have no word in {a.model}'s "
                         f"vocabulary (document {', '.join(map(str, unknown[:5]))}"
                         f"{', ...' if len(unknown) > 5 else ''}, counting from 1): no "
                         "vector inferred" + (", a row of zeros printed in its place"
                                              if a.vector else ""))


def _add_export(sub) -> None:
    p = _subcommand(sub, "export", help="write vectors in word2vec or Projector format",
                       description="Write the word vectors as a word2vec text or binary "
                                   "file, readable by gensim, word2vec.c and fastText, "
                                   "as the two TSV files of the TensorFlow Embedding "
                                   "Projector (projector.tensorflow.org): PATH/vectors.tsv, "
                                   "one row of tab-separated numbers per word, and "
                                   "PATH/metadata.tsv, the words, one a line, no header, "
                                   "or as a wordspace vectors directory (Vectors.save), "
                                   "which every MODEL argument reads memory-mapped, in "
                                   "about the time its words take to read.")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("-o", "--output", required=True, metavar="PATH",
                   help="file to write (a directory for --format projector or "
                        "vectors-dir; a name ending .gz, .bz2 or .xz is compressed); an "
                        "earlier export there (a file of the format that wordspace "
                        "exported, unchanged since; any vectors directory) is replaced "
                        "atomically, anything else is refused (see --overwrite)")
    p.add_argument("--overwrite", action="store_true",
                   help="also replace a file of the format written that wordspace did not "
                        "write, or changed since (gensim's word2vec file, fastText's .bin, a "
                        "folder of just vectors.tsv and metadata.tsv); any other file is "
                        "still refused")
    p.add_argument("--format", choices=["word2vec", "word2vec-binary", "fasttext",
                                        "projector", "vectors-dir"],
                   default=None,
                   help="word2vec text, word2vec binary, fastText's .bin model (a fastText "
                        "model's words, n-gram rows and output rows: fastText's "
                        "load_model and gensim's load_facebook_model read it, unseen "
                        "words included), the Embedding Projector's vectors.tsv and "
                        "metadata.tsv, or a vectors directory (the matrix as .npy, the "
                        "words with their counts, a fastText model's n-gram rows; "
                        "Vectors.load(path, mmap='r') in Python) (default: word2vec "
                        "binary for a name ending .bin, as gensim and word2vec.c expect of "
                        "one, else text)")
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="write only the first N words (a trained model's most frequent; "
                        "a vectors file's first rows); the Projector slows down beyond "
                        "about 100,000 points")
    p.add_argument("--docs", action="store_true",
                   help="write the document vectors (by id) of a pv-dbow or pv-dm model, or "
                        "of a vectors directory holding them")

    def run(a) -> None:
        from wordspace._io import EXPORT, remember_writing
        from wordspace.vectors import SubwordVectors
        from wordspace.word2vec_format import write_word2vec

        inferred = a.format is None
        if inferred:
            a.format = _word2vec_format_of(a.output)
        if a.format == "fasttext":
            _export_fasttext(a)
            return
        if a.format == "projector":
            from wordspace.projector import check_projector_path, write_projector

            check_projector_path(a.output, a.overwrite, replace="use --overwrite")
        elif a.format == "vectors-dir":
            _check_vectors_directory_output(a.output, a.model)
        else:
            from wordspace.word2vec_format import is_word2vec_file

            replaces = _check_vectors_output(a, "a word2vec file", is_word2vec_file)
        model = _load_scorable(a.model)
        vectors = _vectors_of(model, a.model, a.docs)
        if getattr(model, "distributions", None) is not None and not a.docs:
            print(f"note: {a.output} holds the Gaussians' means only; their variances "
                  f"stay in {a.model} (load_model(...).distributions)", file=sys.stderr)
        if a.format == "vectors-dir":  # the vectors as they are: counts, n-grams, int ids
            vectors = vectors._head(a.limit)
            vectors.save(a.output)
            print(f"wrote {len(vectors):,} vectors of dimension {vectors.dim} to "
                  f"{a.output}")
            return
        # a document's id as text (7: "7"), as word2vec files and the Projector hold it
        words, matrix = [str(w) for w in vectors.words[:a.limit]], vectors.matrix[:a.limit]
        if a.format == "projector":
            write_projector(a.output, words, matrix, overwrite=a.overwrite,
                            replace="use --overwrite")
            where = f"{Path(a.output) / 'vectors.tsv'} and metadata.tsv"
        else:
            write_word2vec(a.output, words, matrix, binary=a.format == "word2vec-binary",
                           replaces=replaces)
            remember_writing(a.output, EXPORT)
            where = a.output
            if inferred and a.format == "word2vec-binary" and not a.docs \
                    and isinstance(vectors, SubwordVectors):
                print(f"note: {a.output} is word2vec's binary format, the words' vectors "
                      "only; --format fasttext writes fastText's .bin, with the n-gram "
                      "rows that give unseen words theirs", file=sys.stderr)
        print(f"wrote {len(words):,} vectors of dimension {vectors.dim} to {where}")

    p.set_defaults(func=run)


def _export_fasttext(a) -> None:
    """``export --format fasttext``: a fastText model written as fastText's ``.bin``."""
    from wordspace._io import EXPORT, compressed_suffix, remember_writing
    from wordspace.fasttext_format import is_fasttext_file, write_fasttext
    from wordspace.models import FastText

    if a.limit is not None or a.docs:
        raise UsageError("--format fasttext writes the whole model: --limit and --docs are "
                         "for the vectors formats")
    if compressed_suffix(Path(a.output)):
        raise UsageError(f"-o {a.output}: fastText reads its .bin uncompressed: give a name "
                         "without .gz, .bz2 or .xz")
    replaces = _check_vectors_output(a, "a fastText .bin model", is_fasttext_file)
    model = _load_scorable(a.model)
    if not isinstance(model, FastText):
        raise UsageError(f"{a.model} holds {_what(model)}: only a fastText model (its model "
                         "directory from train --model fasttext, or a fastText .bin) has the "
                         "n-gram and output rows a fastText .bin holds; --format "
                         "word2vec-binary writes its vectors")
    write_fasttext(a.output, model._facebook_file(), replaces=replaces)
    remember_writing(a.output, EXPORT)
    print(f"wrote a fastText model of {len(model.vocab_):,} words and dimension "
          f"{model.dim} to {a.output}")


def _word2vec_format_of(path: str) -> str:
    """The word2vec format a file's name asks for: binary for ``.bin`` (also compressed,
    ``.bin.gz``), text otherwise."""
    from wordspace._io import compressed_suffix

    path = Path(path)
    if compressed_suffix(path):
        path = path.with_suffix("")
    return "word2vec-binary" if path.suffix.lower() == ".bin" else "word2vec"


def _check_vectors_output(a, what: str, of_the_format: Callable[[Path], bool]
                          ) -> Callable[[Path], bool]:
    """Refuse, before any work, an ``export -o`` file that may not be replaced, and
    return what may be there (for the write's own check): only an earlier export,
    unchanged since (:func:`~wordspace._io.wrote_it`: not another file wordspace wrote,
    such as a phrased corpus), or, with
    ``--overwrite``, one ``of_the_format`` (``what``, e.g. "a word2vec file") too,
    whoever wrote it; never the vectors being exported, a link or anything else. The
    Python writers replace any file of their format, as gensim's do: the command line
    is the stricter, since a name given on it by mistake would lose another tool's file
    (a model trained for days) with no way back."""
    from wordspace._io import (
        EXPORT,
        MOVE_ADVICE,
        check_name_lengths,
        check_replaceable_file,
        same_file,
        written_as,
    )

    target = Path(a.output)
    check_name_lengths(target)  # before a look at it, which a too long name fails
    if target.is_file() and same_file(target, a.model):
        raise FileExistsError(f"{a.output} is the file being exported: write to another "
                              "file")
    ours = written_as(EXPORT)  # an earlier export, not any file wordspace wrote
    if a.overwrite:
        def replaces(file: Path) -> bool:
            return ours(file) or of_the_format(file)
        mine = f"{what} or a file wordspace exported"
        advice = MOVE_ADVICE
    else:
        replaces, mine = ours, "a file wordspace exported, unchanged since"
        regular = target.is_file() and not target.is_symlink()
        advice = MOVE_ADVICE + (f", or use --overwrite to replace {what} wordspace did not "
                                "write" if regular and of_the_format(target) else "")
    check_replaceable_file(target, mine, replaces, advice)
    return replaces


def _check_vectors_directory_output(path: str, source: str) -> None:
    """Refuse to replace anything but a vectors directory, the one being exported
    (``source``) included, or to write through a link."""
    from wordspace._io import check_name_lengths, same_file
    from wordspace.vectors_directory import check_vectors_path

    check_name_lengths(path)  # before a look at it, which a too long name fails
    if Path(path).exists() and same_file(path, source):
        raise FileExistsError(f"{path} is the directory being exported: write to another "
                              "path")
    check_vectors_path(path)


def _add_eval(sub) -> None:
    from wordspace.datasets import names

    p = _subcommand(
        sub, "eval", help="score vectors on similarity and analogy benchmarks",
        description="Spearman rho on word-similarity sets and accuracy on analogy sets "
                    "(candidates restricted to the most frequent words, a, b, c excluded), "
                    "with gensim's protocols; entailment scores beside their baselines. "
                    "Datasets are fetched by name (see 'wordspace data list') or taken from "
                    "the WORDSPACE_DATA mirror; one that cannot be had (offline) is skipped "
                    "and named, and the run fails only if none is left. Files of your own "
                    "are read too ('word1 word2 score' pairs, ': section' / 'a b c d' "
                    "questions), their kind told from their content or given as "
                    "KIND:PATH.")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("--datasets", nargs="+", metavar="NAME", default=None,
                   help="registered datasets (" + ", ".join(
                       names("similarity") + names("analogy") + names("entailment")) +
                        ") or files: PATH, or KIND:PATH with KIND similarity, analogy or "
                        "entailment (default: ws353, ws353-sim, ws353-rel, simlex999, google; "
                        "and bless, wbless for Gaussian models)")
    p.add_argument("--method", nargs="+", choices=["3cosadd", "3cosmul"], default=["3cosadd"],
                   help="analogy scoring (3cosmul: Levy & Goldberg's, epsilon 0.001; "
                        "default: 3cosadd)")
    p.add_argument("--restrict-vocab", type=_int_at_least(0), default=30000,
                   help="analogy candidates: this many most frequent words (0: every word, "
                        "as compute-accuracy's 0)")
    p.add_argument("--case-sensitive", action="store_true",
                   help="match dataset words exactly (default: lowercase, as gensim)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (while a dataset downloads)")
    p.extra_advice = _datasets_as_arguments

    def run(a) -> None:
        from wordspace.evaluate import DEFAULT_DATASETS, evaluate, format_table

        model = _load_scorable(a.model)
        names = a.datasets or list(DEFAULT_DATASETS) + (
            ["bless", "wbless"] if hasattr(model, "distributions") else [])
        results = evaluate(model, names, a.method, a.restrict_vocab or None,
                           lowercase=not a.case_sensitive, progress=not a.quiet)
        print(json.dumps(results.as_dict(), indent=2, allow_nan=False) if a.json
              else format_table(results))
        if not results.scored():  # shown, and failed: a score of nothing is no score
            raise ValueError(f"no dataset scored a pair or question: too few of their "
                             f"words are in the vocabulary of {_what(model)} (check "
                             "--case-sensitive, --restrict-vocab, or the datasets' language)")
        undefined = results.undefined()
        if undefined:  # shown as n/a, and failed: a NaN is no score either
            raise ValueError("no score for " + "; ".join(
                f"{name}: {why}" for name, why in undefined.items()))

    p.set_defaults(answers=True, func=run)


def _datasets_as_arguments(extras: list[str]) -> str | None:
    """``eval MODEL ws353``: the datasets among ``extras`` (names, KIND:PATH), said to
    follow --datasets; None when there are none (``eval m1 m2``: two models)."""
    from wordspace.datasets import BENCHMARK_KINDS, names

    registered = {name for kind in BENCHMARK_KINDS for name in names(kind)}
    given = [w for w in extras if w in registered or w.partition(":")[0] in BENCHMARK_KINDS]
    if not given:
        return None
    return f"datasets follow --datasets: wordspace eval MODEL --datasets {' '.join(given)}"


def _vectors_type():
    from wordspace import Vectors

    return Vectors


def _load_scorable(path: str):
    """A model directory, a fastText ``.bin`` model, or a word2vec file (text or binary,
    as fastText's ``.vec``) read as vectors (:func:`wordspace.models.base.load_scorable`)."""
    from wordspace.models.base import load_scorable

    return load_scorable(path)


def _what(model) -> str:
    """What :func:`_load_scorable` read, in words: ``word vectors (Vectors)``, ``a SkipGram
    model``."""
    from wordspace import DocVectors

    if isinstance(model, DocVectors):  # only a vectors directory holds them
        return "document vectors (a vectors directory)"
    if isinstance(model, _vectors_type()):
        return "word vectors (a vectors file)"
    return f"a {type(model).__name__} model"


def _add_plot(sub) -> None:
    p = _subcommand(
        sub, "plot", help="draw a 2-D map of words and their neighbours",
        description="Project the given words (and each one's nearest neighbours) to 2-D by "
                    "PCA or t-SNE and draw them labelled, one colour per query word, "
                    "shared by its neighbours (a query word that is another's neighbour "
                    "keeps its own colour; a word that is a neighbour of several takes the "
                    "colour of the one it is nearest to). Words in a script the default "
                    "font lacks are drawn in an installed font that has it; where none "
                    "does, a warning names them and a font to install. Writes PNG, SVG or "
                    "PDF, by the output's suffix.")
    p.add_argument("model", metavar="MODEL", help=_MODEL_HELP)
    p.add_argument("words", nargs="+", metavar="WORD",
                   help="the words to draw, each in its colour with its neighbours")
    p.add_argument("-o", "--output", default="map.png", metavar="FILE",
                   help="the figure to write: .png, .svg or .pdf (an existing file only "
                        "if wordspace wrote it)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace FILE even if it is not a figure wordspace wrote")
    p.add_argument("--method", choices=["pca", "tsne"], default="pca",
                   help="pca: axes captioned with their share of the variance; tsne: "
                        "at least 10 words, axes without units")
    p.add_argument("--neighbours", type=_int_at_least(0), default=8, metavar="K",
                   help="also draw each word's K nearest neighbours (0: none)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed for t-SNE")
    p.add_argument("--gaussians", action="store_true",
                   help="for a Gaussian model: draw the distributions as ellipses (PCA), "
                        "each with its area proportional to |Sigma|^1/2 (breadth), "
                        "neighbours by the energy the model was trained with (or --by)")
    p.add_argument("--by", choices=_ENERGY_CHOICES, default=None, help="with --gaussians: " +
                   _BY_HELP + " (default: the energy the model was trained with)")

    def run(a) -> None:
        from wordspace.plot import check_figure_path, embedding_map, save_figure

        check_figure_path(a.output, a.overwrite,  # before the work, not after
                          replace="use --overwrite")
        model = _load_scorable(a.model)
        if a.by and not a.gaussians:  # points are the means, their neighbours by cosine
            raise UsageError("--by ranks the neighbours drawn with --gaussians: add it")
        space = _distributions(model, a.model, "--gaussians") if a.gaussians else None
        fig = embedding_map(space or _word_vectors(model, a.model), a.words,
                            neighbours=a.neighbours, method=a.method, seed=a.seed, by=a.by)
        print(f"wrote {save_figure(fig, a.output, overwrite=a.overwrite)}")

    p.set_defaults(func=run)


def _add_data(sub) -> None:
    from wordspace.datasets import names

    p = _subcommand(
        sub, "data", help="list the datasets, get one (download it), print its path",
        description="Datasets are downloaded once into $WORDSPACE_HOME/datasets (default: "
                    "~/.cache/wordspace), checked and unpacked; with WORDSPACE_DATA set to "
                    "a mirror directory they are taken from there instead.")
    actions = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    _subcommand(actions, "list",
                help="every dataset: name, kind, size, where it is"
                ).set_defaults(answers=True, func=_data_list)
    for action, helptext in (("get", "download a dataset (if not already here)"),
                             ("path", "print a dataset's local path (fetching it if needed)")):
        q = _subcommand(actions, action, help=helptext)
        q.add_argument("name", choices=names(), metavar="NAME",
                       help="one of: " + ", ".join(names()))
        q.add_argument("--quiet", action="store_true", help="no progress bar")
        q.set_defaults(answers=True, func=_data_get)


def _data_list(a) -> None:
    """Every dataset and where it is; a mirror file that ``data path`` would refuse is
    listed as unusable, saying why."""
    from wordspace import datasets

    print(f"{'name':<13} {'kind':<11} {'size':>9}  {'where':<8} description")
    for name in datasets.names():
        d = datasets.info(name)
        found = datasets.locate(name)
        size = f"{d.size / 1e6:.1f} MB" if d.size else ""
        where, why = found[1] if found else "-", ""
        if where == "mirror":
            try:
                datasets.check_mirror_file(name, found[0])
                if d.stand_in:  # said here too, not only when it is used
                    why = f" (the mirror holds a stand-in: {d.stand_in})"
            except datasets.DatasetError as e:
                where, why = "unusable", f" ({e})"
        print(f"{name:<13} {d.kind:<11} {size:>9}  {where:<8} {d.description}{why}")


def _data_get(a) -> None:
    from wordspace import datasets

    print(datasets.path(a.name, progress=not a.quiet))


def _add_cache(sub) -> None:
    p = _subcommand(
        sub, "cache", help="list and clean the encoded corpora kept in the cache",
        description="Each corpus file is encoded once into $WORDSPACE_HOME/corpora "
                    "(default: ~/.cache/wordspace) for each set of reading settings, and "
                    "encoded again when the file changes, leaving the old encoding behind. "
                    "Status: ok; stale (its source is missing, or has another size or "
                    "times than when encoded: no run will use it again); old format "
                    "(written by an earlier wordspace); damaged (unreadable meta.json); "
                    "unchecked (its source cannot be looked at now, or its folder is gone or "
                    "empty, as on a drive not mounted: kept; clean --missing removes those "
                    "whose source is missing); newer format (kept).")
    actions = p.add_subparsers(title="actions", metavar="ACTION", required=True)
    _subcommand(actions, "list",
                help="every encoded corpus: status, size, when written and last read "
                     "(meta.json's mtime and atime), source and settings; and the "
                     "datasets' total").set_defaults(answers=True, func=_cache_list)
    q = _subcommand(actions, "clean",
                    help="remove the stale, old-format and damaged encodings (and what "
                         "killed builds left); a build in progress is left alone")
    q.add_argument("--all", action="store_true", dest="everything",
                   help="remove every encoded corpus (not the datasets)")
    q.add_argument("--missing", action="store_true",
                   help="also remove the unchecked encodings whose source is missing (its "
                        "folder deleted or moved, or empty): kept by default, since a drive "
                        "mounted again brings them back")
    q.add_argument("--dry-run", action="store_true",
                   help="say what would be removed, and the space it would free")
    q.set_defaults(func=_cache_clean)


def _cache_list(a) -> None:
    from wordspace import cache
    from wordspace.progress import size_said

    def day(when: float | None) -> str:
        return "-" if when is None else time.strftime("%Y-%m-%d", time.localtime(when))

    entries = cache.corpus_caches()
    print(f"{'status':<12} {'size':>9}  {'written':<10}  {'read':<10}  source, settings")
    for e in entries:
        shown = " ".join(f"{k}={v}" for k, v in e.settings.items())
        why = f" ({e.why})" if e.why else ""
        print(f"{e.status:<12} {size_said(e.size):>9}  {day(e.written):<10}  "
              f"{day(e.used):<10}  {e.source or e.folder.name}  {shown}{why}")
    cleaned = [e for e in entries if e.cleaned]
    left = cache.leftovers()
    killed = f", and {len(left)} left by killed builds" if left else ""
    records = cache.stale_records()
    killed += (f", and {len(records)} record(s) of written files no file matches"
               if records else "")
    freed = sum(e.size for e in cleaned) + sum(s for _, s in left + records)
    missing = [e for e in entries if e.status == "unchecked" and e.source_missing]
    gone = (f"; {len(missing)} unchecked whose source is missing "
            f"({size_said(sum(e.size for e in missing))}, kept: a drive mounted again "
            "brings them back; wordspace cache clean --missing removes them)"
            if missing else "")
    print(f"{len(entries)} encoded corpora, {size_said(sum(e.size for e in entries))} in "
          f"{cache.corpora_folder()}; {len(cleaned)} to clean{killed} "
          f"({size_said(freed)}: wordspace cache clean){gone}")
    print(f"datasets: {size_said(cache.dataset_usage())} in "
          f"{cache.cache_home() / 'datasets'}")


def _cache_clean(a) -> int:
    from wordspace import cache
    from wordspace.progress import size_said

    done = cache.clean(everything=a.everything, dry_run=a.dry_run, missing=a.missing)
    verb = "would remove" if a.dry_run else "removed"
    for folder, size in done.removed:
        print(f"{verb} {folder} ({size_said(size)})")
    for folder, why in done.failed:
        print(f"wordspace: could not remove {folder}: {why}", file=sys.stderr)
    print(f"{verb} {len(done.removed)}, freeing {size_said(done.freed)}"
          + (f"; {len(done.failed)} could not be removed" if done.failed else ""))
    return 1 if done.failed else 0


def _add_convae(sub) -> None:
    from wordspace.convae.model import ConvAutoencoder

    p = _subcommand(
        sub, "convae", help="convolutional autoencoder with a transposed-convolution decoder",
        description="Train a convolutional autoencoder (convolution + ReLU to encode, the "
                    "transposed convolution to decode) on scikit-learn's 8x8 digits, print "
                    "the reconstruction error per epoch and write a picture of originals, "
                    "reconstructions and filters. 'wordspace convae explain' prints the "
                    "convolution matrix W and the padded-code convolution that equals W^T.")
    p.add_argument("action", nargs="?", choices=["train", "explain"], default="train",
                   help="train (the default) or explain (the worked example of a 2x2 kernel "
                        "over a 3x3 input, stride 1, and a 4x4 input, stride 2; it takes "
                        "none of the options below)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="where to write convae.png (default: convae)")
    # left unset (None) unless typed: the model's own defaults apply, and are shown
    default = {name: param.default for name, param in _signature(ConvAutoencoder).items()}
    p.add_argument("--epochs", type=_positive_int,
                   help=f"passes over the digits (default: {default['epochs']})")
    p.add_argument("--filters", type=_positive_int,
                   help=f"convolution filters (default: {default['filters']})")
    p.add_argument("--kernel-size", type=_positive_int, metavar="K",
                   help=f"each filter is K x K pixels (default: {default['kernel_size']})")
    p.add_argument("--stride", type=_positive_int,
                   help=f"the convolution's stride (default: {default['stride']})")
    p.add_argument("--untied", action="store_true",
                   help="a decoder kernel of its own (default: the encoder's, transposed)")
    p.add_argument("--seed", type=_seed,
                   help=f"random seed of the initial filters (default: {default['seed']})")
    p.set_defaults(func=_convae)


def _convae(a) -> None:
    from wordspace.convae.explain import explain, figure
    from wordspace.convae.model import ConvAutoencoder, load_digits_images, mean_image_error
    from wordspace.plot import check_figure_path, save_figure

    # only what was typed: the model's own defaults otherwise (the help states them)
    given = {name: getattr(a, name) for name in ("epochs", "filters", "kernel_size",
                                                 "stride", "seed")
             if getattr(a, name) is not None}
    if a.untied:
        given["tied"] = False
    if a.action == "explain":
        typed = [f"--{name.replace('_', '-')}" for name in given if name != "tied"]
        typed += ["--untied"] * a.untied + ["--output"] * (a.output is not None)
        if typed:  # not silently ignored: the example is fixed
            raise UsageError(f"'convae explain' prints a fixed worked example and takes no "
                             f"options; got {', '.join(typed)}")
        print(explain())
        return
    output = check_figure_path(Path(a.output or "convae") / "convae.png",  # before training
                               replace=None,
                               advice="choose another --output folder, or move it away")
    images = load_digits_images()
    model = ConvAutoencoder(**given).fit(images)
    for epoch, error in enumerate(model.history_, 1):
        print(f"epoch {epoch:>3}: reconstruction error {error:.4f}")
    print(f"reconstruction error {model.reconstruction_error(images):.4f} per image "
          f"(predicting the mean image: {mean_image_error(images):.4f})")
    path = save_figure(figure(model, images), output)
    print(f"wrote {path}")


#: phrases's options that learn a table (each a Phrases parameter, and a setting its
#: file records); default None, so that one given with --from-table is told from one
#: left out, as train's options are
_PHRASES_LEARNING = ("min_count", "threshold", "scoring", "passes", "max_vocab_size",
                     "delimiter", "connector_words")


#: phrases's options saying how the text is read: train's own (_DECLARED), so that a
#: table learned here is one train --phrases takes with the same options
_PHRASES_READING = ("lowercase", "token_pattern", "max_token_length")


def _add_reading_option(p: argparse.ArgumentParser, param: str) -> None:
    """``train``'s corpus option ``param`` (its help, flag and metavar), for another
    subcommand reading a corpus as train does; default None: one left out is told from
    one given, and the help names the corpus's default."""
    from wordspace.corpus import Corpus

    o = next(o for o in _DECLARED if o.param == param and o.target == "corpus")
    if o.switch is not None:
        p.add_argument(o.option, dest=o.param, action="store_const", const=o.switch,
                       default=None, help=o.help)
        return
    default = _signature(Corpus)[param]
    p.add_argument(o.option, dest=o.param, default=None, type=_value_type(default),
                   metavar=o.metavar or o.option[2:].upper().replace("-", "_"),
                   help=f"{o.help} (default: {_show(default.default)})".replace("%", "%%"))


def _add_phrases(sub) -> None:
    from wordspace.phrases import (  # with wordspace
        DEFAULT_THRESHOLDS,
        ENGLISH_CONNECTOR_WORDS,
        MAX_PASSES,
        SCORINGS,
        Phrases,
    )

    defaults = {name: _show(p.default) for name, p in _signature(Phrases).items()}

    p = _subcommand(
        sub, "phrases", help="join frequent word pairs into phrases (word2phrase)",
        description=(
            "Find word pairs that occur together far more often than their counts\n"
            "predict, and write the corpus with each joined into one token (\"new york\"\n"
            "-> new_york), to train phrase vectors on: word2vec's word2phrase, gensim's\n"
            "Phrases. A pair a b is a phrase when\n\n"
            "    (count(a b) - min_count) / (count(a) * count(b)) * V  >  threshold,\n\n"
            "V the number of distinct words and pairs counted (gensim's score and\n"
            "defaults). word2phrase multiplies by the corpus's word count instead:\n"
            "--scoring word2phrase, whose default threshold is word2phrase's 100, finds\n"
            "word2phrase's phrases. --passes 2 joins phrases again, as running\n"
            "word2phrase twice does. Every word is counted: a text holding tokens longer\n"
            "than --max-token-length is refused (the words around one would look\n"
            "adjacent). Memory follows the distinct words and pairs, not the corpus's\n"
            "length; past --max-vocab-size of them the rarest so far are dropped, as\n"
            "gensim drops them. See docs/phrases.md."),
        epilog="examples:\n"
               "  wordspace phrases text8 -o text8-phrases.txt --table phrases.tsv\n"
               "  wordspace train text8-phrases.txt -o phrase-model\n"
               "  wordspace train text8 --phrases phrases.tsv -o phrase-model   "
               "# no text written\n"
               "  wordspace phrases news.txt -o news-phrases.txt --from-table phrases.tsv\n"
               "  wordspace phrases text8 -o out.txt --scoring npmi --threshold 0.5 \\\n"
               "      --connector-words of the a\n"
               "  wordspace phrases text8 -o out.txt --scoring word2phrase   # word2phrase's\n"
               "  wordspace phrases text8 --connector-words english -o out.txt")
    p.add_argument("corpus", metavar="CORPUS",
                   help="a text file (.gz, .bz2, .xz too), a folder of them, or a corpus "
                        "name (text8)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the phrased corpus, as text: the words of each input line on one "
                        "line (a name ending .gz, .bz2 or .xz is compressed): a new or "
                        "empty file, or one an earlier run wrote (unchanged since), which "
                        "is replaced atomically; any other text is never replaced")
    p.add_argument("--min-count", type=_positive_int, default=None, metavar="N",
                   help="pairs seen fewer times are never phrases (default: "
                        f"{defaults['min_count']})")
    p.add_argument("--threshold", type=float, default=None,
                   help="a pair whose score is above this is a phrase (default: "
                        f"{DEFAULT_THRESHOLDS['default']:g} for the default scoring, "
                        f"{DEFAULT_THRESHOLDS['npmi']:g} for npmi, "
                        f"{DEFAULT_THRESHOLDS['word2phrase']:g} for word2phrase)")
    p.add_argument("--scoring", choices=list(SCORINGS), default=None,
                   help="default: Mikolov et al.'s score as gensim computes it (times V); "
                        "npmi: normalised pointwise mutual information, in [-1, 1]; "
                        "word2phrase: word2phrase's (times the corpus's word count) "
                        f"(default: {defaults['scoring']})")
    p.add_argument("--passes", type=_int_at_least(1, MAX_PASSES + 1), default=None,
                   metavar="N",
                   help="detect phrases this many times, each on the previous pass's output "
                        f"(default: {defaults['passes']})")
    p.add_argument("--max-vocab-size", type=_int_at_least(0), default=None, metavar="N",
                   help="the most distinct words and pairs counted at once (gensim's "
                        "max_vocab_size): past it, those seen fewer than k times so far are "
                        "dropped, k rising by one each time; about 45 bytes each at the "
                        "peak (60 with connector words); 0: count every pair (default: "
                        f"{defaults['max_vocab_size']})")
    p.add_argument("--delimiter", default=None,
                   help=f"joins a phrase's words (default: {defaults['delimiter']})")
    p.add_argument("--connector-words", nargs="+", default=None, metavar="WORD",
                   help="words that may sit inside a phrase but never begin or end one "
                        f"(bank_of_america with 'of'); '{_ENGLISH}' stands for gensim's "
                        f"ENGLISH_CONNECTOR_WORDS ({' '.join(sorted(ENGLISH_CONNECTOR_WORDS))})"
                        ". It takes the words up to the next option: give CORPUS before it")
    for param in _PHRASES_READING:  # read as train reads (its --phrases takes the table)
        _add_reading_option(p, param)
    p.add_argument("--table", metavar="TSV",
                   help="also save the phrases found (pass, score, count, phrase, words), "
                        "to apply to other text with --from-table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--from-table", metavar="TSV",
                   help="join the phrases of a table saved with --table instead of learning "
                        "them, with its settings (a learning option given must be the "
                        "table's)")
    p.set_defaults(func=_phrases)


def _phrases(a) -> None:
    from wordspace._io import check_replaceable_file
    from wordspace.phrases import Phrases, check_corpus_output, is_phrase_table, read_corpus

    check_corpus_output(a.output)  # and again once the corpus is read, and at the end
    if a.table:
        if Path(a.table).resolve() == Path(a.output).resolve():  # found after the work
            raise UsageError(f"-o and --table both name {a.output}: the phrased corpus and "
                             "the table are two files, give two paths")
        check_replaceable_file(a.table, "a wordspace phrase table", is_phrase_table)
    given = {name: getattr(a, name) for name in _PHRASES_LEARNING
             if getattr(a, name) is not None}
    learning = {**given, **({"max_vocab_size": given["max_vocab_size"] or None}
                            if "max_vocab_size" in given else {})}  # 0: count every pair
    if "connector_words" in given:
        learning["connector_words"] = _connector_words(given["connector_words"])
    reading = {name: getattr(a, name) for name in _PHRASES_READING
               if getattr(a, name) is not None}
    if a.from_table:
        phrases = Phrases.load(a.from_table)
        _check_table_settings(phrases, a.from_table, given, learning, reading)
        # read as the table's corpus was (max_token_length drops tokens, not splits them)
        corpus = read_corpus(a.corpus, progress=not a.quiet,
                             **{**reading, **phrases.tokenization})
    else:
        corpus = read_corpus(a.corpus, progress=not a.quiet, **reading)
    check_corpus_output(a.output, corpus)  # before the learning: the corpus's own file?
    if not a.from_table:
        phrases = Phrases(corpus, **learning)  # what is not given: Phrases's defaults
    if a.table:
        phrases.save(a.table)
    n_words = phrases.write_corpus(corpus, a.output)
    print(f"{len(phrases):,} phrases; wrote {n_words:,} words to {a.output}"
          + (f", the phrases to {a.table}" if a.table else ""))


#: what --connector-words takes for gensim's ENGLISH_CONNECTOR_WORDS
_ENGLISH = "english"


def _connector_words(typed: list[str]) -> set[str]:
    """``--connector-words``'s words, :data:`_ENGLISH` standing for gensim's English
    ones (beside any others given)."""
    from wordspace.phrases import ENGLISH_CONNECTOR_WORDS

    words = set(typed) - {_ENGLISH}
    return words | ENGLISH_CONNECTOR_WORDS if _ENGLISH in typed else words


def _as_typed(name: str, value) -> str:
    """An option and its value as typed: ``--min-count 2``, ``--lowercase``,
    ``--connector-words of the``."""
    option = "--" + name.replace("_", "-")
    if value is True:  # a flag
        return option
    return " ".join([option, *map(str, value if isinstance(value, list) else [value])])


def _check_table_settings(phrases, path: str, given: dict, learning: dict,
                          reading: dict) -> None:
    """Refuse learning options given with ``--from-table`` that differ from the table's
    own settings, which are the ones that apply (a value equal to the table's is
    harmless), and so the tokenization options (``reading``: --lowercase,
    --token-pattern); ``given`` as typed, ``learning`` as Phrases takes them."""
    tokenization = {name: value for name, value in reading.items()
                    if name in phrases.tokenization}
    own = {**phrases.settings(), **phrases.tokenization}
    given, learning = {**given, **tokenization}, {**learning, **tokenization}
    differ = [name for name, value in learning.items()
              if (sorted(value) if name == "connector_words" else value) != own[name]]
    if differ:
        typed = " ".join(_as_typed(name, given[name]) for name in differ)
        theirs = ", ".join(f"{name}={own[name]!r}" for name in differ)
        raise UsageError(f"{typed}: --from-table joins with the settings {path} "
                         f"records ({theirs}), not these: leave them out, or learn a new "
                         "table without --from-table")


def build_parser() -> argparse.ArgumentParser:
    """The ``wordspace`` argument parser (exposed for tests and docs)."""
    parser = _TopParser(
        prog="wordspace", description="Learn word representations from raw text, and use them.",
        epilog=f"{_EPILOG}\n{EXIT_STATUSES}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"wordspace {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    sub = parser.add_subparsers(title="subcommands", metavar="SUBCOMMAND", required=True,
                                parser_class=_Parser)
    _add_train(sub)
    _add_query(sub)
    _add_vectors(sub)
    _add_eval(sub)
    _add_plot(sub)
    _add_export(sub)
    _add_phrases(sub)
    _add_data(sub)
    _add_cache(sub)
    _add_convae(sub)
    return parser


def _stopped() -> type[Exception]:
    from wordspace.train import TrainingStopped

    return TrainingStopped


def _kept_checkpoint(args) -> str:
    """What an interrupted ``train --checkpoint-every`` leaves to resume from, in words
    (nothing when no checkpoint was written yet, or the model was)."""
    if args.func is not _train or not args.checkpoint_every:
        return ""
    from wordspace.engine.checkpoint import holds_training, is_checkpoint

    partial = checkpoint_path(args.output)
    if not is_checkpoint(partial):
        return ""
    if not holds_training(partial):  # a distributed start's mark, before any epoch's end
        return "; no checkpoint was written yet, so running again starts over"
    again = "the command again without --restart" if args.restart else "the same command again"
    return f"; the checkpoint is kept at {partial}: run {again} to resume from it"


def _rank_said() -> str:
    """``[rank N] `` under a launcher (torchrun), which interleaves the ranks' output:
    what each line this process writes to stderr (log, error) begins with."""
    return f"[rank {os.environ['RANK']}] " if os.environ.get("WORLD_SIZE", "1") != "1" \
        and "RANK" in os.environ else ""


class OutputError(OSError):
    """Standard output could not be written (a full device: ``> /dev/full``), said as
    that: the bare ``[Errno 28] No space left on device`` named no file."""


class _StandardOutput:
    """``sys.stdout`` for the duration of a command: a write or flush that fails is an
    :class:`OutputError` (a reader that left, ``BrokenPipeError``, stays what it is)."""

    def __init__(self, stream):
        self._stream = stream

    def _said(self, do, *args):
        try:
            return do(*args)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError(f"standard output could not be written "
                              f"({e.strerror or e})") from e

    def write(self, text: str) -> int:
        return self._said(self._stream.write, text)

    def flush(self) -> None:
        self._said(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextmanager
def _standard_output_said():
    """:class:`_StandardOutput` in place of ``sys.stdout`` for the duration, and what it
    still buffers flushed at the end (a failure found at the interpreter's exit said
    nothing useful either)."""
    stream = sys.stdout
    if stream is None:  # fd 1 closed (>&-): print() writes nothing, as it did before
        yield
        return
    sys.stdout = _StandardOutput(stream)
    try:
        yield
        sys.stdout.flush()
    finally:
        sys.stdout = stream


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``wordspace`` command; returns its exit status
    (:data:`EXIT_STATUSES`)."""
    parser = build_parser()
    given = sys.argv[1:] if argv is None else argv
    if not [a for a in given if a not in ("-v", "--verbose")]:  # what there is to do
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(argv)
    where = _rank_said()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format=f"{where}%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        if getattr(args, "output", None) == "-":  # would be a file named "-"
            raise UsageError("-o -: wordspace writes its outputs as files (atomically), "
                             "not to standard output: give a file name (one ending .gz is "
                             "compressed)")
        if getattr(args, "output", None) == "":  # Path("") is the current directory
            raise UsageError("-o is empty: give the path to write")
        if getattr(args, "answers", False) and sys.stdout is None:  # Python's for fd 1
            # closed (>&-): print() would drop every answer and the run would succeed
            raise UsageError("standard output is closed, and this command prints its "
                             "answers there: redirect it to a file (> FILE) or to "
                             "/dev/null")
        with _standard_output_said():
            return args.func(args) or 0
    except UsageError as e:  # the command line's fault: no traceback to offer
        print(f"{where}wordspace: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{where}interrupted{_kept_checkpoint(args)}", file=sys.stderr)
        return 130
    except _stopped() as e:  # asked to (SIGTERM): not a failure, not finished either
        print(f"{where}wordspace: {e}", file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # the reader left (| head): stop quietly, as a killed tool does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 128 + signal.SIGPIPE
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, ImportError,
            MemoryError) as e:
        if args.verbose:  # the whole story, for a bug report; the same status
            traceback.print_exc()
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        if isinstance(e, MemoryError) and not str(e):  # Python's own says nothing
            message = ("out of memory (a model with a lower dim or fewer words kept, "
                       "or more free memory)")
        hint = "" if args.verbose else " (-v shows the traceback)"
        print(f"{where}wordspace: error: {message}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
