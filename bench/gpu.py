"""GPU benchmark: SGNS on a CUDA device (wordspace.cuda), timed and evaluated, one table.

Run from the repository root on a machine with a GPU (nothing needs installing or
building: ``src/`` is put on the path here)::

    python3 bench/gpu.py --data bench/data

``--data`` is a folder laid out like ``shared/data`` holding at least
``corpora/enwiki2015-text8.gz``, ``similarity/ws353.txt``, ``similarity/simlex999.txt``
and ``analogy/questions-words.txt``. ``--simulate`` runs the same path on Numba-CUDA's
CPU simulator with a tiny corpus (to try the script without a GPU); ``--budget-s``
stops starting new parts once that much time has passed; ``--no-cpu`` skips the CPU
engine's reference runs on the machine's own cores. See docs/gpu.md and
bench/gpu_notes.md.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import math
import os
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: the CPU engine's figures, same corpus and settings (docs/benchmarks.md, 2026-11-21)
CPU_SGNS = dict(words_per_s=2.63e6, ws353=0.690, simlex=0.301, google=0.373)
#: the CPU engine's full softmax, one epoch of the first 2 M words (docs/benchmarks.md,
#: "Full softmax against negative sampling": alpha 0.1, batch 32)
CPU_SOFTMAX = dict(words_per_s=8.4e3)
#: the full softmax's device runs: (batch, alpha); the CPU's settings first
SOFTMAX_RUNS = ((32, 0.1), (1024, 0.02), (1024, 0.01))
#: the CPU engine's Gaussian diagonal KL (docs/benchmarks.md, Gaussian section, 5 epochs,
#: dim 50, window 5, negative 5, sample 1e-4, min_count 5, 2 threads)
CPU_GAUSSIAN = dict(words_per_s=1.07e6, ws353=0.641, simlex=0.240, bless=0.781)
#: the CPU engine's fastText skip-gram (docs/benchmarks.md, "FastText against gensim and
#: fastText": dim 100, window 5, negative 5, 5 epochs, min_n 3, max_n 6, bucket 2 M)
CPU_FASTTEXT = dict(words_per_s=0.95e6, ws353=0.633, simlex=0.291, google=0.584)


def parse_options(text: str) -> dict:
    """``"cache=0,launch_words=1000000"`` as keyword arguments (numbers as numbers)."""
    options = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        number = float(value)
        options[key] = bool(number) if key == "cache" else (
            number if key == "alpha" else int(number))  # seed, warps, words: integers
    return options


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(ROOT / "bench" / "data"),
                   help="folder laid out like shared/data (default bench/data)")
    p.add_argument("--corpus", default=None,
                   help="text8-format corpus, plain or .gz (default: "
                        "DATA/corpora/enwiki2015-text8.gz)")
    p.add_argument("--words", type=int, default=None, help="use the first N words only")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--alpha", type=float, default=0.025)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cuda")
    p.add_argument("--budget-s", type=float, default=420.0,
                   help="start no new part after this many seconds (default 420)")
    p.add_argument("--no-variants", action="store_true",
                   help="skip the kernel variants")
    p.add_argument("--no-cpu", action="store_true",
                   help="skip the CPU engine's reference runs on this machine's cores "
                        "(SGNS and the Gaussian, the same words and settings)")
    p.add_argument("--variants", nargs="*", default=None, metavar="K=V[,K=V]",
                   help="variants to train and evaluate instead of the default set, each "
                        "executor options (cache=0, warps=8, chunk_words=256, "
                        "launch_words=1000000, concurrent_chunks=1024) and/or alpha=0.05")
    p.add_argument("--simulate", action="store_true",
                   help="Numba-CUDA's simulator, 20 k words, 1 epoch, dim 16 (no GPU needed)")
    args = p.parse_args(argv)
    if args.simulate:
        args.words = args.words or 20_000
        args.epochs, args.dim, args.min_count = 1, 16, 2
    if args.corpus is None or not Path(args.corpus).exists():
        given = args.corpus
        args.corpus = str(Path(args.data) / "corpora" / "enwiki2015-text8.gz")
        if given:
            print(f"{given} not found: using {args.corpus}")
    return args


def _stub_tqdm():
    """wordspace imports tqdm for progress bars; a machine without it gets a silent one."""
    try:
        import tqdm.auto  # noqa: F401
    except ImportError:
        class Silent:
            def __init__(self, iterable=None, *args, **kwargs):
                self.iterable = iterable
                self.n = kwargs.get("initial", 0)  # the driver reads and moves it

            def update(self, n=1):
                self.n += n

            def __iter__(self):
                return iter(self.iterable or ())

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def __getattr__(self, name):
                return lambda *a, **k: None

        module = types.ModuleType("tqdm")
        module.tqdm = Silent
        auto = types.ModuleType("tqdm.auto")
        auto.tqdm = Silent
        module.auto = auto
        sys.modules["tqdm"], sys.modules["tqdm.auto"] = module, auto


def read_words(path: str, limit: int | None) -> list[str]:
    """The corpus's words (text8 format: one line of space-separated words)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        if limit is None:
            return f.read().split()
        words: list[str] = []
        tail = ""
        while len(words) < limit:
            chunk = f.read(1 << 20)
            if not chunk:
                words.extend(tail.split())
                break
            parts = (tail + chunk).split(" ")
            tail = parts.pop()
            words.extend(p for p in parts if p)
        return words[:limit]


def encode(words: list[str], min_count: int, sentence: int = 10_000):
    """Vocabulary (most frequent first, at least ``min_count``), the kept words as ids,
    cut into sentences of ``sentence`` words (as wordspace's Corpus cuts text8)."""
    import numpy as np

    counts = collections.Counter(words)
    vocab = [w for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
             if c >= min_count]
    index = {w: i for i, w in enumerate(vocab)}
    ids = np.fromiter((index.get(w, -1) for w in words), np.int32, len(words))
    tokens = ids[ids >= 0]
    offsets = np.append(np.arange(0, len(tokens), sentence), len(tokens)).astype(np.int64)
    freq = np.array([counts[w] for w in vocab], np.int64)
    return vocab, tokens, offsets, freq


def evaluate(vocab, matrix, data: Path) -> dict:
    """WS353 and SimLex Spearman, Google analogy accuracy (3CosAdd, 30 k words)."""
    from wordspace.evaluate import analogies, word_similarity
    from wordspace.vectors import Vectors

    vectors = Vectors(vocab, matrix)
    out = {}
    for key, rel in (("ws353", "similarity/ws353.txt"), ("simlex", "similarity/simlex999.txt")):
        try:
            out[key] = word_similarity(vectors, data / rel).spearman
        except Exception as error:  # noqa: BLE001 - a missing file is one blank cell
            print(f"{key}: {error}")
    try:
        result = analogies(vectors, data / "analogy/questions-words.txt", 30000)
        out["google"] = result.accuracy  # NaN (shown "-") when no question was answerable
    except Exception as error:  # noqa: BLE001
        print(f"google: {error}")
    return out


def gaussian_run(vocab, tokens, offsets, freq, data: Path, *, device, epochs, seed, dim,
                 options=None):
    """The Gaussian model's defaults (diagonal KL, window 5, negative 5, sample 1e-4,
    alpha 0.5 -> 0.05, tied) on the device, with the executor's ``options``: its
    counters, WS353 / SimLex by cosine of the means, and BLESS directional accuracy by
    KL (when DATA/entailment/bless.tsv is there)."""
    from wordspace.cuda.gaussian import train_gaussian_on_device

    last = [0.0]

    def report(c):
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            print(f"  {c.words:,} words, {c.words_per_second / 1e6:.2f} M words/s, "
                  f"loss {c.mean_loss:.3f}, active {c.active_share:.1%}", flush=True)

    counters, params = train_gaussian_on_device(tokens, offsets, freq, vocab, device=device,
                                                epochs=epochs, seed=seed, report=report,
                                                dim=dim, executor_options=options)
    return counters, gaussian_scores(vocab, params.means, params.variances, freq, data)


def gaussian_scores(vocab, means, variances, freq, data: Path) -> dict:
    """WS353 / SimLex by cosine of the means, and BLESS directional accuracy by KL (when
    DATA/entailment/bless.tsv is there)."""
    from wordspace.distributions import Distributions
    from wordspace.evaluate import entailment, word_similarity

    dist = Distributions(vocab, means, variances, freq)
    scores = {}
    for key, rel in (("ws353", "similarity/ws353.txt"), ("simlex", "similarity/simlex999.txt")):
        try:
            scores[key] = word_similarity(dist.vectors, data / rel).spearman
        except Exception as error:  # noqa: BLE001 - a missing file is one blank cell
            print(f"{key}: {error}")
    bless = data / "entailment" / "bless.tsv"
    if bless.exists():
        scores["bless"] = entailment(dist.scorer("kl"), bless).directional
    return scores


def measured(words_per_second: float, mean_loss: float, *, seconds: float = math.nan):
    """A row's counters where there are no device counters (the CPU engine's report,
    the softmax's timing): what :func:`table_line` and :func:`bars` read."""
    return types.SimpleNamespace(seconds=seconds, compile_seconds=math.nan,
                                 words_per_second=words_per_second, mean_loss=mean_loss)


def cpu_engine_runs(words: list[str], args, *, gaussian_dim: int, gaussian_epochs: int,
                    sentence: int = 10_000):
    """The CPU engine on the same words and settings, on this machine's cores, through
    the models' own ``fit`` (as docs/benchmarks.md's CPU figures were made): SGNS, then
    the Gaussian model's defaults. Yields ``(name, epochs, counters, scores)`` rows: the
    reference the device rows are compared with, from the same run and machine (the
    CPU's WS353 itself moves by ~0.01 between runs)."""
    import tempfile

    from wordspace import Corpus, GaussianSkipGram, SkipGram

    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)  # the cores this process may use
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"  # text8's words, in lines of 10 k as Corpus cuts it
        with open(path, "w") as f:
            for i in range(0, len(words), sentence):
                f.write(" ".join(words[i:i + sentence]) + "\n")
        corpus = Corpus(path, min_count=args.min_count, cache=False, progress=False)
    runs = [(f"SGNS CPU engine, {workers} threads", args.epochs,
             SkipGram(dim=args.dim, window=args.window, negative=args.negative,
                      sample=args.sample, alpha=args.alpha, epochs=args.epochs,
                      seed=args.seed, workers=workers, progress=False)),
            (f"Gaussian diag KL CPU, {workers} threads", gaussian_epochs,
             GaussianSkipGram(dim=gaussian_dim, epochs=gaussian_epochs, seed=args.seed,
                              workers=workers, progress=False))]
    for name, epochs, model in runs:
        print(f"{name}, {epochs} epoch(s)", flush=True)
        model.fit(corpus)
        r = model.report_
        counters = measured(r.words_per_second, r.loss, seconds=r.seconds)
        words_ = model.vocab_.words
        scores = (gaussian_scores(words_, model.means_, model.variances_,
                                  model.vocab_.counts, Path(args.data))
                  if isinstance(model, GaussianSkipGram)
                  else evaluate(words_, model.input_vectors_, Path(args.data)))
        yield name, epochs, counters, scores


def _cell(x, fmt):
    return format(x, fmt) if isinstance(x, float) and math.isfinite(x) else "-"


def _percent(x) -> str:
    """A share as ``37.3%``, or ``-`` for none (NaN, None: nothing scored)."""
    return "-" if _cell(x, "f") == "-" else f"{100 * x:.1f}%"


def bars(rows) -> list[tuple[str, str, str]]:
    """The issue's bars, each judged from this run's rows: the device's quality against
    the same run's CPU engine row (its own WS353 moves by ~0.01 between runs), speeds
    against the issue's figures and docs/benchmarks.md's CPU ones. A ``(verdict, bar,
    numbers)`` a bar, the verdict ``met``, ``NOT met`` or ``not measured``."""
    found = {name.strip(): (c, s) for name, _, c, s in rows}

    def row(prefix):
        return next((v for name, v in found.items() if name.startswith(prefix)), None)

    def judge(what, ok, numbers):
        return "not measured" if ok is None else ("met" if ok else "NOT met"), what, numbers

    def score(r, key):
        value = None if r is None else r[1].get(key)
        return value if isinstance(value, float) and math.isfinite(value) else None

    def within(device, cpu, key, tolerance, show=lambda x: f"{x:.3f}"):
        d, c = score(device, key), score(cpu, key)
        if d is None or c is None:
            return None, "-"
        return d >= c - tolerance, f"{show(d)} against {show(c)}"

    lines = []
    sgns, sgns_cpu = row("SGNS device"), row("SGNS CPU engine")
    speed = None if sgns is None or not math.isfinite(sgns[0].words_per_second) \
        else sgns[0].words_per_second
    lines.append(judge("SGNS at least 20 M words/s", None if speed is None else speed >= 20e6,
                       "-" if speed is None else f"{speed / 1e6:.1f} M words/s"))
    lines.append(judge("SGNS WS353 within 0.01 of the CPU engine's (same run)",
                       *within(sgns, sgns_cpu, "ws353", 0.01)))
    lines.append(judge("SGNS Google within 1 point of the CPU engine's (same run)",
                       *within(sgns, sgns_cpu, "google", 0.01, show=_percent)))
    gauss, gauss_cpu = row("Gaussian diag KL device"), row("Gaussian diag KL CPU")
    speed = None if gauss is None or not math.isfinite(gauss[0].words_per_second) \
        else gauss[0].words_per_second
    lines.append(judge("Gaussian at least 10x the CPU engine's words/s (benchmarks.md)",
                       None if speed is None else speed >= 10 * CPU_GAUSSIAN["words_per_s"],
                       "-" if speed is None else
                       f"{speed / CPU_GAUSSIAN['words_per_s']:.1f}x"
                       + ("" if gauss_cpu is None or not gauss_cpu[0].words_per_second > 0
                          else f" ({speed / gauss_cpu[0].words_per_second:.1f}x this run's "
                          "CPU engine on all cores)")))
    lines.append(judge("Gaussian WS353 within 0.01 of the CPU engine's (same run)",
                       *within(gauss, gauss_cpu, "ws353", 0.01)))
    lines.append(judge("Gaussian BLESS direction within 0.02 of the CPU engine's (same run)",
                       *within(gauss, gauss_cpu, "bless", 0.02)))
    softmax = [c.words_per_second for name, (c, _) in found.items()  # diverged: not counted
               if name.startswith("full softmax") and math.isfinite(c.mean_loss)
               and math.isfinite(c.words_per_second)]
    best = max(softmax, default=None)
    lines.append(judge("full softmax at least 50x the CPU engine's words/s (benchmarks.md)",
                       None if best is None else best >= 50 * CPU_SOFTMAX["words_per_s"],
                       "-" if best is None else
                       f"{best / CPU_SOFTMAX['words_per_s']:.0f}x at its best batch"))
    return lines


def table_line(name, epochs, c, s) -> str:
    """One row of the final table: a run's counters ``c`` and scores ``s``."""
    return (f"{name:<38} {epochs:>2} {c.seconds:>8.2f} {c.compile_seconds:>9.2f} "
            f"{c.words_per_second / 1e6:>9.2f} {c.mean_loss:>6.3f} "
            f"{_cell(s.get('ws353'), '6.3f'):>6} {_cell(s.get('simlex'), '6.3f'):>6} "
            f"{_percent(s.get('google')):>7} "
            f"{_cell(s.get('bless'), '6.3f'):>6}")


class Rows(list):
    """The table's rows; each printed as it comes (``| ...``), so a run cut short still
    leaves what it measured in its output."""

    def append(self, row) -> None:
        super().append(row)
        print("| " + table_line(*row), flush=True)


class Budget:
    def __init__(self, seconds: float):
        self.start, self.seconds = time.perf_counter(), seconds

    def left(self) -> float:
        return self.seconds - (time.perf_counter() - self.start)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.simulate:
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"  # before numba.cuda is imported
    sys.path.insert(0, str(ROOT / "src"))
    _stub_tqdm()
    budget = Budget(args.budget_s)
    import numpy as np

    from wordspace.cuda.device import describe, require_cuda
    from wordspace.cuda.executor import CudaNegativeSampling
    from wordspace.engine.jobs import epoch_jobs, make_jobs
    from wordspace.engine.layout import SHARED_BAGS, Layout
    from wordspace.engine.params import VectorParams
    from wordspace.engine.sampler import Sampler
    from wordspace.engine.schedule import Schedule
    from wordspace.subwords import Subwords

    subwords = Subwords(3, 6, 20_000 if args.simulate else 2_000_000)  # fastText's

    index = require_cuda(args.device)
    print(f"device: {describe(index)}")
    t = time.perf_counter()
    words = read_words(args.corpus, args.words)
    vocab, tokens, offsets, freq = encode(words, args.min_count)
    print(f"corpus {Path(args.corpus).name}: {len(tokens):,} words kept of the first "
          f"{args.words or 'all'}, {len(vocab):,} types (min_count {args.min_count}), read "
          f"in {time.perf_counter() - t:.1f} s")
    bounds = make_jobs(offsets, 10_000)

    def run(epochs, alpha=args.alpha, seed=args.seed, layout=None, **options):
        """Train on the device in ``layout`` (default skip-gram's); returns the counters
        and the parameters."""
        layout = layout or Layout(max_bags=SHARED_BAGS)
        sampler = Sampler.build(tokens, offsets, freq, window=args.window,
                                negative=args.negative, layout=layout,
                                sample=args.sample, ns_exponent=0.75)
        jobs = epoch_jobs(offsets, bounds, epochs)
        # min_alpha as the models' default: alpha * 1e-4
        rates = Schedule.linear(alpha, alpha * 1e-4, [j.words for j in jobs]).rates
        rng = np.random.default_rng(seed)
        n_rows = len(vocab) if layout.word_bags is None else subwords.rows(len(vocab))
        params = VectorParams(
            ((rng.random((n_rows, args.dim), dtype=np.float32) - 0.5) / args.dim),
            np.zeros((len(vocab), args.dim), np.float32))
        executor = CudaNegativeSampling(args.device, **options)
        last = [0.0]

        def report(c):
            if time.perf_counter() - last[0] > 5:
                last[0] = time.perf_counter()
                print(f"  {c.words:,} words, {c.words_per_second / 1e6:.2f} M words/s, "
                      f"loss {c.mean_loss:.3f}", flush=True)

        counters = executor.train(sampler, params, jobs, rates, seed=seed, report=report)
        return counters, params

    rows = Rows()
    settings = (f"dim {args.dim}, window {args.window}, negative {args.negative}, "
                f"sample {args.sample:g}, min_count {args.min_count}, alpha {args.alpha}")
    print(f"SGNS: {settings}, {args.epochs} epochs")
    counters, params = run(args.epochs)
    scores = evaluate(vocab, params.inputs, Path(args.data))
    rows.append(("SGNS device", args.epochs, counters, scores))
    print(f"  done: {counters.seconds:.1f} s ({counters.compile_seconds:.1f} s compiling "
          f"before), loss {counters.mean_loss:.3f}")

    # the Gaussian model (atomic adds by default, as SGNS's), then with the plain adds
    # of its first version, and with fewer chunks at once
    g_epochs = 1 if args.simulate else args.epochs

    def run_gaussians(chosen):
        for name, options in chosen:
            if budget.left() < 90:
                print(f"budget: skipping {name.strip()}")
                continue
            print(f"{name.strip()} (diagonal KL, the model's defaults), {g_epochs} epoch(s)")
            try:
                c, s = gaussian_run(vocab, tokens, offsets, freq, Path(args.data),
                                    device=args.device, epochs=g_epochs, seed=args.seed,
                                    dim=16 if args.simulate else 50, options=options)
                rows.append((name, g_epochs, c, s))
            except Exception as error:  # noqa: BLE001 - a failing part is one row
                print(f"{name.strip()} failed: {error!r}")

    run_gaussians([("Gaussian diag KL device", {})])

    # each variant trains as long as the main run and is evaluated: what it changes in
    # speed and in quality (fewer chunks at once, or fewer words per launch: fewer warps
    # updating rows at once)
    variants = [] if args.no_variants or args.simulate else [
        ("plain adds (atomic=0, the old default)", dict(atomic=False)),
        ("seed 2", dict(seed=2)),
        ("1,024 chunks at once", dict(concurrent_chunks=1024)),
        ("plain adds, 1,024 chunks at once", dict(atomic=False, concurrent_chunks=1024)),
        ("corpus streamed per launch", dict(max_resident_words=1)),
        ("shared cache", dict(cache=True)),
        ("plain adds, launch 1M words", dict(atomic=False, launch_words=1_000_000))]
    if args.variants is not None and not args.simulate:
        variants = [(text, parse_options(text)) for text in args.variants]


    def run_variants(chosen):
        for name, options in chosen:
            if budget.left() < 60:
                print(f"budget: skipping variant {name}")
                continue
            try:
                c, p = run(args.epochs, **options)
                rows.append((f"  {name}", args.epochs, c,
                             evaluate(vocab, p.inputs, Path(args.data))))
            except Exception as error:  # noqa: BLE001 - one failing variant is one row
                print(f"variant {name} failed: {error!r}")

    if args.no_cpu:
        print("--no-cpu: the CPU engine's rows are docs/benchmarks.md's only")
    elif budget.left() > 120:  # the bars' reference, before anything optional
        try:
            for row in cpu_engine_runs(words, args, gaussian_epochs=g_epochs,
                                       gaussian_dim=16 if args.simulate else 50):
                rows.append(row)
        except Exception as error:  # noqa: BLE001 - a failing part is one row
            print(f"the CPU engine's runs failed: {error!r}")
    else:
        print("budget: skipping the CPU engine's runs")
    del words
    run_gaussians([("  Gaussian, plain adds", dict(atomic=False)),
                   ("  Gaussian, 1,024 chunks at once", dict(concurrent_chunks=1024))])
    if budget.left() > 60:  # one epoch on the first 2 M words, as the CPU's figure
        from wordspace.cuda.softmax import time_softmax_on_device

        first = read_words(args.corpus, 200_000 if args.simulate else 2_000_000)
        s_vocab, s_tokens, s_offsets, s_freq = encode(first, args.min_count)
        for batch, alpha in SOFTMAX_RUNS[:1] if args.simulate else SOFTMAX_RUNS:
            if budget.left() < 30:
                break
            try:
                speed, loss = time_softmax_on_device(
                    s_tokens, s_offsets, s_freq, batch=batch,
                    device="cpu" if args.simulate else args.device,  # torch on the CPU
                    alpha=alpha, words=len(s_tokens), dim=args.dim, seed=args.seed)
                rows.append((f"full softmax, batch {batch}, alpha {alpha}", 1,
                             measured(speed, loss), {}))
            except Exception as error:  # noqa: BLE001 - a failing part is one row
                print(f"full softmax failed: {error!r}")

    run_variants(variants[:2])  # the old default's speed and quality, another seed's
    # the other layouts on the device: CBOW, and fastText's subword bags (skip-gram)
    from wordspace.kernels.subwords import bag_means

    table = subwords.table(vocab)
    for name, layout, options, rates in (
            ("CBOW device", Layout(bag="window"), {}, dict(alpha=0.05)),
            ("fastText skip-gram device",
             Layout(max_bags=SHARED_BAGS, word_bags=table), dict(output_rate=0.5),
             dict(alpha=0.05))):
        if budget.left() < 90:
            print(f"budget: skipping {name}")
            continue
        try:
            c, p = run(args.epochs, layout=layout, **rates, **options)
            inputs = p.inputs
            if layout.word_bags is not None:  # each word the mean of its rows
                inputs = np.empty((len(vocab), args.dim), np.float32)
                bag_means(p.inputs, table.ptr, table.rows, inputs)
            rows.append((name, args.epochs, c, evaluate(vocab, inputs, Path(args.data))))
        except Exception as error:  # noqa: BLE001 - a failing part is one row
            print(f"{name} failed: {error!r}")

    run_variants(variants[2:])
    print()
    print(f"device {describe(index)}; corpus {len(tokens):,} words; {settings}")
    print(f"{'run':<38} {'ep':>2} {'train s':>8} {'compile s':>9} {'M words/s':>9} "
          f"{'loss':>6} {'WS353':>6} {'SimLex':>6} {'Google':>7} {'BLESS':>6}")

    for row in rows:
        print(table_line(*row))
    print(f"{'full softmax CPU (benchmarks.md)':<38} {1:>2} {'':>8} {'':>9} "
          f"{CPU_SOFTMAX['words_per_s'] / 1e6:>9.4f}")
    for name, cpu in (("SGNS", CPU_SGNS), ("Gaussian diag KL", CPU_GAUSSIAN),
                      ("fastText skip-gram", CPU_FASTTEXT)):
        print(f"{name + ' CPU (benchmarks.md)':<38} {5:>2} {'':>8} {'':>9} "
              f"{cpu['words_per_s'] / 1e6:>9.2f} {'':>6} {cpu['ws353']:>6.3f} "
              f"{cpu['simlex']:>6.3f} {_percent(cpu.get('google')):>7} "
              f"{_cell(cpu.get('bless'), '6.3f'):>6}")
    print()
    print("the issue's bars (quality against this run's CPU engine rows):")
    for verdict, what, numbers in bars(rows):
        print(f"  {verdict:<13} {what}: {numbers}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
