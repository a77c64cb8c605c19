"""wordspace's FastText against gensim's FastText and Facebook's fastText, one run.

Same corpus, same settings (skip-gram, dim 100, window 5, negative 5, min_count 5,
sample 1e-4, min_n 3, max_n 6, bucket 2 M), each tool at its own default learning rate
(fastText and wordspace 0.05, gensim 0.025). Each trainer runs in its own process,
timed from launch to exit (reading, vocabulary, training, and writing the vectors the
evaluation needs); peak memory is that process's maximum RSS. The vectors are then
scored by the same code:

* Google analogies by 3CosAdd over the 30,000 most frequent words (gensim's
  protocol; questions with a word outside them are skipped), semantic and syntactic
  sections apart;
* WS353 and SimLex-999 Spearman on the pairs whose words are all in the vocabulary
  (word2vec's protocol), and on every pair, unseen words composed from their n-grams by
  each tool (the subword protocol), with the vocabulary's coverage of the pairs.

    WORDSPACE_DATA=../shared/data python bench/fasttext_vs_peers.py [--corpus PATH] \\
        [--epochs 5] [--workers 2] [--words N] [--skip gensim fasttext] [--repeats 3]

wordspace's kernels are compiled once beforehand, as after installation; its corpus
cache starts cold. fastText's ``thread=2`` leaves rows untouched on tiny corpora (a
known bug), which does not arise at this size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

from _common import DATA, run, text8_words
from wordspace import Vectors
from wordspace.datasets import read_analogies, read_pairs
from wordspace.evaluate import analogies, word_similarity

SETTINGS = dict(dim=100, window=5, negative=5, min_count=5, sample=1e-4, min_n=3, max_n=6,
                bucket=2_000_000)

# Each child: corpus, output directory, epochs, workers, benchmark words file. It writes
# vocab.json (most frequent first), vocab.npy, extra.json + extra.npy (the vectors of
# benchmark words outside the vocabulary, composed by the tool) and timing.json.
_DUMP = textwrap.dedent("""
    def dump(out, words, matrix, vector_of, wanted, seconds):
        import json, numpy as np
        known = set(words)
        extra = [w for w in wanted if w not in known]
        np.save(out + "/vocab.npy", np.asarray(matrix, np.float32))
        json.dump(words, open(out + "/vocab.json", "w"))
        np.save(out + "/extra.npy", np.array([vector_of(w) for w in extra], np.float32)
                .reshape(len(extra), -1))
        json.dump(extra, open(out + "/extra.json", "w"))
        json.dump({"train_seconds": seconds}, open(out + "/timing.json", "w"))
""")

CHILDREN = {
    "wordspace": _DUMP + textwrap.dedent("""
        import json, sys, time
        import wordspace
        corpus, out, epochs, workers, wanted = sys.argv[1:6]
        s = json.loads(sys.argv[6])
        c = wordspace.Corpus(corpus, min_count=s.pop("min_count"), progress=False)
        model = wordspace.FastText(epochs=int(epochs), workers=int(workers), seed=1,
                                   progress=False, **s).fit(c)
        v = model.vectors
        dump(out, v.words, v.matrix, lambda w: v[w], open(wanted).read().split(),
             model.report_.seconds)
    """),
    "gensim": _DUMP + textwrap.dedent("""
        import json, sys, time
        from gensim.models import FastText
        from gensim.models.word2vec import LineSentence
        corpus, out, epochs, workers, wanted = sys.argv[1:6]
        s = json.loads(sys.argv[6])
        model = FastText(vector_size=s["dim"], window=s["window"], negative=s["negative"],
                         min_count=s["min_count"], sample=s["sample"], min_n=s["min_n"],
                         max_n=s["max_n"], bucket=s["bucket"], sg=1, hs=0,
                         workers=int(workers), epochs=int(epochs), seed=1)
        model.build_vocab(LineSentence(corpus))
        start = time.perf_counter()
        model.train(LineSentence(corpus), total_examples=model.corpus_count,
                    epochs=int(epochs))
        seconds = time.perf_counter() - start
        wv = model.wv
        dump(out, list(wv.index_to_key), wv.vectors, lambda w: wv[w],
             open(wanted).read().split(), seconds)
    """),
    "fasttext": _DUMP + textwrap.dedent("""
        import json, sys, time
        import fasttext
        corpus, out, epochs, workers, wanted = sys.argv[1:6]
        s = json.loads(sys.argv[6])
        start = time.perf_counter()
        model = fasttext.train_unsupervised(
            corpus, model="skipgram", dim=s["dim"], ws=s["window"], neg=s["negative"],
            minCount=s["min_count"], t=s["sample"], minn=s["min_n"], maxn=s["max_n"],
            bucket=s["bucket"], epoch=int(epochs), thread=int(workers), verbose=0)
        seconds = time.perf_counter() - start  # reading included: fastText reads as it trains
        words = [w for w in model.words if w != "</s>"]
        matrix = [model.get_word_vector(w) for w in words]
        dump(out, words, matrix, model.get_word_vector, open(wanted).read().split(), seconds)
    """),
}


def count_words(path: Path) -> int:
    """Whitespace-separated words of a text file, read a block at a time."""
    count, inside = 0, False
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            count += len(block.split()) - (inside and not block[:1].isspace())
            inside = not block[-1:].isspace()
    return count


def benchmark_words() -> list[str]:
    """Every word of the similarity and analogy sets, lowercased."""
    words = set()
    for name in ("ws353", "simlex999"):
        for a, b, _ in read_pairs(DATA / f"similarity/{name}.txt"):
            words.update((a.lower(), b.lower()))
    for _, rows in read_analogies(DATA / "analogy/questions-words.txt"):
        for row in rows:
            words.update(w.lower() for w in row)
    return sorted(words)


def evaluate(out: Path) -> dict:
    words = json.loads((out / "vocab.json").read_text())
    matrix = np.load(out / "vocab.npy")
    extra = json.loads((out / "extra.json").read_text())
    vocab = Vectors(words, matrix)
    everything = Vectors(words + extra, np.concatenate([matrix, np.load(out / "extra.npy")]))
    google = analogies(vocab, DATA / "analogy/questions-words.txt", restrict_vocab=30000)
    result = {"google": google.accuracy, "semantic": google.subset(semantic=True),
              "syntactic": google.subset(semantic=False), "vocab": len(words)}
    for name in ("ws353", "simlex999"):
        path = DATA / f"similarity/{name}.txt"
        known = word_similarity(vocab, path)
        result[name] = known.spearman
        result[name + "_all"] = word_similarity(everything, path).spearman
        result[name + "_coverage"] = known.coverage
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DATA / "corpora/enwiki2015-text8.gz")
    parser.add_argument("--words", type=int, default=0,
                        help="only the corpus's first N words (0: all)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bucket", type=int, default=SETTINGS["bucket"])
    parser.add_argument("--alpha", type=float, default=0.05, help="wordspace's")
    parser.add_argument("--skip", nargs="*", default=[], choices=["gensim", "fasttext"])
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=JSON",
                        help="more FastText settings for wordspace, e.g. "
                             "shared_negatives=false")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each tool, interleaved; the table gives every run and "
                             "each tool's medians (two threads race: one run decides little)")
    args = parser.parse_args()
    settings = {**SETTINGS, "bucket": args.bucket}

    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "WORDSPACE_HOME": str(tmp / "home")}
        corpus = tmp / "corpus.txt"  # plain text: fastText reads no gzip
        if args.words:
            corpus.write_text(text8_words(args.words))
        else:
            import gzip
            import shutil

            with gzip.open(args.corpus, "rb") as src, open(corpus, "wb") as dst:
                shutil.copyfileobj(src, dst)
        corpus_words = count_words(corpus)
        wanted = tmp / "wanted.txt"
        wanted.write_text("\n".join(benchmark_words()))
        warm = tmp / "warm.txt"
        warm.write_text("the quick brown fox jumps over the lazy dog\n" * 200)
        run([sys.executable, "-c", CHILDREN["wordspace"], str(warm), str(tmp), "1", "1",
             str(wanted), json.dumps({**settings, "min_count": 1, "bucket": 1000,
                                      "sample": 0})],
            {**env, "WORDSPACE_HOME": str(tmp / "warm-home")})  # compile the kernels once

        extra = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
        ours = {**settings, "alpha": args.alpha, **extra}
        runs: dict[str, list[dict]] = {}
        for repeat in range(args.repeats):
            for name, script in CHILDREN.items():
                if name in args.skip:
                    continue
                out = tmp / f"{name}-{repeat}"
                out.mkdir()
                own = ours if name == "wordspace" else settings
                wall, rss = run([sys.executable, "-c", script, str(corpus), str(out),
                                 str(args.epochs), str(args.workers), str(wanted),
                                 json.dumps(own)], env)
                timing = json.loads((out / "timing.json").read_text())
                runs.setdefault(name, []).append(
                    {"wall": wall, "rss": rss, "train": timing["train_seconds"],
                     **evaluate(out)})
                print(f"{name} run {repeat + 1} done: {wall:.0f} s", file=sys.stderr,
                      flush=True)

    print(f"\ncorpus {args.corpus.name}{f' (first {args.words:,} words)' if args.words else ''}"
          f": {corpus_words:,} words, {args.epochs} epochs, {args.workers} threads, "
          + ", ".join(f"{k} {v:g}" for k, v in settings.items()))
    print(f"{'trainer':<11} {'wall s':>7} {'train s':>8} {'words/s':>8} {'peak MiB':>8} "
          f"{'Google':>6} {'sem':>5} {'syn':>5} {'WS353':>6} {'all':>6} {'SimLex':>6} "
          f"{'all':>6} {'cover':>5}")

    def row(label: str, r: dict) -> None:
        wps = corpus_words * args.epochs / r["train"]
        print(f"{label:<11} {r['wall']:>7.0f} {r['train']:>8.0f} {wps / 1e6:>7.2f}M "
              f"{r['rss']:>8.0f} {100 * r['google']:>5.1f}% {100 * r['semantic']:>5.1f} "
              f"{100 * r['syntactic']:>5.1f} {r['ws353']:>6.3f} {r['ws353_all']:>6.3f} "
              f"{r['simlex999']:>6.3f} {r['simlex999_all']:>6.3f} "
              f"{100 * r['simlex999_coverage']:>4.0f}%")

    results = {}
    for name, each in runs.items():
        results[name] = {key: statistics.median(r[key] for r in each) for key in each[0]}
        if len(each) > 1:
            for r in each:
                row(f"  {name}", r)
        row(name if len(each) == 1 else f"{name}~", results[name])
    if args.repeats > 1:
        print("~: the medians of each figure over the runs above")
    ws = results["wordspace"]
    for name, r in results.items():
        if name != "wordspace":
            print(f"wordspace vs {name}: whole process {r['wall'] / ws['wall']:.2f}x faster, "
                  f"training {r['train'] / ws['train']:.2f}x")


if __name__ == "__main__":
    main()
