"""wordspace SGNS against gensim's skip-gram, same corpus, same settings, one run.

``--hs`` trains both with a hierarchical softmax instead (``--hs`` / ``hs=1,
negative=0``), ``--cbow`` both as CBOW (alpha 0.05, word2vec.c's).

Each trainer runs in its own process, timed from launch to exit (reading, vocabulary,
training and writing the vectors); peak memory is that process's maximum RSS. Both
vector sets are then evaluated by the same code (wordspace.evaluate, gensim's
protocols): Google analogies (3CosAdd, 30k most frequent words), WS353 and
SimLex-999 Spearman.

    python bench/sgns_vs_gensim.py [--corpus PATH] [--epochs 5] [--workers 2] \
        [--hs] [--cbow] [--seed 1]

wordspace's corpus cache starts cold (a fresh WORDSPACE_HOME), so its reading time is
counted; its compiled kernels are warmed once beforehand, as after installation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path

from _common import DATA, run
from wordspace import Vectors
from wordspace.evaluate import analogies, word_similarity

GENSIM_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    corpus, out, epochs, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    hs, cbow, seed = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    model = Word2Vec(vector_size=100, window=5, negative=0 if hs else 5, min_count=5,
                     sample=1e-4, sg=1 - cbow, hs=hs, alpha=0.05 if cbow else 0.025,
                     workers=workers, epochs=epochs, seed=seed)
    model.build_vocab(LineSentence(corpus))
    start = time.perf_counter()
    model.train(LineSentence(corpus), total_examples=model.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - start
    model.wv.save_word2vec_format(out + "/vectors.bin", binary=True)
    json.dump({"train_seconds": seconds, "corpus_words": model.corpus_total_words},
              open(out + "/timing.json", "w"))
""")


def evaluate(path: Path) -> dict:
    vectors = Vectors.load_word2vec_format(path, binary=True)
    google = analogies(vectors, DATA / "analogy/questions-words.txt", restrict_vocab=30000)
    return {"analogy": google.accuracy,
            "ws353": word_similarity(vectors, DATA / "similarity/ws353.txt").spearman,
            "simlex": word_similarity(vectors, DATA / "similarity/simlex999.txt").spearman}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DATA / "corpora/enwiki2015-text8.gz")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-gensim", action="store_true")
    parser.add_argument("--hs", action="store_true", help="hierarchical softmax, both")
    parser.add_argument("--cbow", action="store_true", help="CBOW, both")
    parser.add_argument("--seed", type=int, default=1, help="both trainers' seed")
    args = parser.parse_args()
    objective = ["--hs"] if args.hs else ["--negative", "5"]
    shape = ["--model", "cbow", "--alpha", "0.05"] if args.cbow else ["--alpha", "0.025"]

    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "WORDSPACE_HOME": str(tmp / "home")}
        common = ["--epochs", str(args.epochs), "--workers", str(args.workers), "--quiet",
                  "--dim", "100", "--window", "5", *objective, "--min-count", "5",
                  "--sample", "1e-4", *shape, "--seed", str(args.seed)]
        warm = tmp / "warm.txt"
        warm.write_text("the quick brown fox jumps over the lazy dog\n" * 200)
        run([sys.executable, "-m", "wordspace", "train", str(warm), "-o", str(tmp / "warm"),
             "--quiet", "--min-count", "1", "--epochs", "1", *objective, *shape],
            {**env, "WORDSPACE_HOME": str(tmp / "warm-home")})  # compile kernels once

        results = {}
        ws_dir = tmp / "ws"
        wall, rss = run([sys.executable, "-m", "wordspace", "train", str(args.corpus),
                         "-o", str(ws_dir), *common], env)
        run([sys.executable, "-m", "wordspace", "export", str(ws_dir), "-o",
             str(tmp / "ws.bin"), "--format", "word2vec-binary"], env)
        report = json.loads((ws_dir / "training.json").read_text())
        meta = next((tmp / "home/corpora").glob("*/meta.json"))
        corpus_words = json.loads(meta.read_text())["raw_tokens"]
        results["wordspace"] = {"wall": wall, "rss": rss, "train": report["seconds"],
                                **evaluate(tmp / "ws.bin")}

        if not args.skip_gensim:
            g_dir = tmp / "gensim"
            g_dir.mkdir()
            wall, rss = run([sys.executable, "-c", GENSIM_SCRIPT, str(args.corpus), str(g_dir),
                             str(args.epochs), str(args.workers), str(int(args.hs)),
                             str(int(args.cbow)), str(args.seed)])
            timing = json.loads((g_dir / "timing.json").read_text())
            results["gensim"] = {"wall": wall, "rss": rss, "train": timing["train_seconds"],
                                 **evaluate(g_dir / "vectors.bin")}

    print(f"\ncorpus {args.corpus.name}: {corpus_words:,} words, {args.epochs} epochs, "
          f"{args.workers} workers, {'CBOW' if args.cbow else 'skip-gram'}, dim 100, window 5, "
          f"{'hierarchical softmax' if args.hs else 'negative 5'}, min_count 5, sample 1e-4")
    print(f"{'trainer':<10} {'wall s':>8} {'train s':>8} {'words/s':>10} {'peak MiB':>9} "
          f"{'analogy':>8} {'WS353':>6} {'SimLex':>7}")
    for name, r in results.items():
        wps = corpus_words * args.epochs / r["train"]
        print(f"{name:<10} {r['wall']:>8.1f} {r['train']:>8.1f} {wps / 1e6:>9.2f}M "
              f"{r['rss']:>9.0f} {100 * r['analogy']:>7.1f}% {r['ws353']:>6.3f} "
              f"{r['simlex']:>7.3f}")
    if "gensim" in results:
        w, g = results["wordspace"], results["gensim"]
        print(f"speed-up: whole process {g['wall'] / w['wall']:.2f}x, "
              f"training {g['train'] / w['train']:.2f}x; analogy "
              f"{100 * (w['analogy'] - g['analogy']):+.1f} points, WS353 "
              f"{w['ws353'] - g['ws353']:+.3f}, SimLex {w['simlex'] - g['simlex']:+.3f}")


if __name__ == "__main__":
    main()
