"""One ``infer_vector`` call per document, this working tree against an earlier commit.

Most users infer new documents in a loop, one call each (gensim has no batch call): what
a call costs beyond the document's own work then decides their time. Each tree, in a
fresh process that imports wordspace from it, trains a document model on the first
``--words`` words of the text8-format corpus cut into documents of 500 words
(``min_count`` 1, one epoch: the vocabulary, not the vectors, is what matters here),
then times ``--calls`` calls of ``model.infer_vector(doc)`` on 20-word documents at the
default 20 epochs, and reports the median per call of ``--repeats`` runs, the trees
interleaved (before, after, before, ...) so that this shared host's noise falls on both
alike. A model the earlier tree lacks (PV-DM before it existed) is reported for this
tree alone.

    WORDSPACE_DATA=../shared/data .venv/bin/python bench/infer_calls.py --base HEAD~1 \\
        [--words 2000000] [--calls 300] [--repeats 5] [--vocabulary 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, earlier_tree, text8_words

#: one timed run, in the tree on PYTHONPATH, printed as JSON (null: no such model there)
WORK = """
import json, logging, sys, time
logging.disable(logging.WARNING)
import wordspace
cls = getattr(wordspace, sys.argv[2], None)
if cls is None:
    print("null"); sys.exit()
vocabulary = int(sys.argv[4])
words = open(sys.argv[1]).read().split() if not vocabulary else \
    [f"w{i}" for i in range(vocabulary)]  # each word once: a vocabulary of that size
docs = [(str(i), words[i:i + 500]) for i in range(0, len(words), 500)]
model = cls(dim=100, epochs=1, sample=1e-3, workers=2, seed=1, progress=False).fit(
    wordspace.Documents(docs, min_count=1, progress=False))
queries = [words[i:i + 20] for i in range(0, 20 * int(sys.argv[3]), 20)]
model.infer_vector(queries[0], epochs=20)  # compiled and warm
start = time.perf_counter()
for doc in queries:
    model.infer_vector(doc, epochs=20)
seconds = (time.perf_counter() - start) / len(queries)
print(json.dumps({"ms": seconds * 1e3, "vocabulary": len(model.vocab_)}))
"""


def once(tree: Path, corpus: Path, model: str, calls: int, vocabulary: int) -> dict | None:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run([sys.executable, "-c", WORK, str(corpus), model, str(calls),
                          str(vocabulary)],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the earlier commit")
    parser.add_argument("--words", type=int, default=2_000_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=["PVDBOW", "PVDM"])
    parser.add_argument("--vocabulary", type=int, default=0, metavar="N",
                        help="instead of text8, N distinct words, each once (what a call "
                             "costs per word of the vocabulary shows at a million)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, \
            earlier_tree(args.base, Path(scratch) / "base") as base:
        corpus = Path(scratch) / "words.txt"
        corpus.write_text("" if args.vocabulary else text8_words(args.words))
        trees = {"before": base, "after": ROOT}
        for model in args.models:
            ms: dict[str, list[float]] = {name: [] for name in trees}
            vocabulary = None
            for _ in range(args.repeats):
                for name, tree in trees.items():
                    result = once(tree, corpus, model, args.calls, args.vocabulary)
                    if result is not None:
                        ms[name].append(result["ms"])
                        vocabulary = result["vocabulary"]
            shown = {name: f"{statistics.median(v):6.2f} ms" if v else "   (none)"
                     for name, v in ms.items()}
            medians = {name: statistics.median(v) for name, v in ms.items() if v}
            ratio = (f"  before/after {medians['before'] / medians['after']:.1f}x"
                     if "before" in medians else "")
            print(f"{model:<7} {vocabulary:,}-word vocabulary, one 20-word document per "
                  f"call: before {shown['before']}  after {shown['after']}{ratio} "
                  f"(medians of {args.repeats}, base {args.base})", flush=True)


if __name__ == "__main__":
    main()
