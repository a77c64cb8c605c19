"""A design experiment for issue 14, not library code: what concurrent warps cost SGNS.

On an H200 the device's SGNS trained to a lower quality than the CPU engine (Google
34-35 % against 37.3 %), and less so with fewer warps in flight (bench/gpu_notes.md).
Two mechanisms can do that, and they call for different fixes:

* **lost writes**: ``row[d] += step`` is a load and a store; another warp's add landing
  between them is overwritten. ``atomic=True`` fixes this.
* **stale reads**: a warp computes its step from rows that thousands of other warps are
  changing meanwhile. No atomic fixes this; fewer warps at once
  (``concurrent_chunks``) does.

This emulates both on the CPU, in rounds: ``W`` warps each train one centre of their
own chunk (1,024 corpus words, its kept words, a window and one set of negatives shared
by it, as the device kernel does), all reading the parameters as they were at the
round's start; then their steps are written: ``atomic`` adds every step, ``plain`` keeps
only the last writing warp's steps of each row (every other warp's are lost, the worst
case of ``+=``). A round is the extreme of both mechanisms at concurrency ``W``;
``W = 1`` is the sequential algorithm. On the device a warp's whole step (~50-100 µs)
overlaps the steps of every other warp in flight, so its reads are about one round
stale at ``W`` = the warps in flight (~2,600 at the default launch on an H200). Its
load-to-store window is far shorter (~1 µs), and how many writers it really loses is
not modelled here: plain rounds of ``W`` only bound it.

    WORDSPACE_DATA=../shared/data python bench/prototypes/hogwild_rounds.py \\
        --words 17000000 --epochs 1 --runs 1:atomic 2600:atomic 2600:plain 64:plain
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/gpu.py's helpers
import gpu  # noqa: E402
from wordspace.sampling import keep_probabilities, noise_tables  # noqa: E402

DIM, WINDOW, NEGATIVE, ALPHA, CHUNK = 100, 5, 5, 0.025, 1024
CONTEXTS = 2 * WINDOW


@numba.njit(inline="always")
def _draw(state, w):
    """The next 53-bit number of warp ``w``'s xorshift64* stream."""
    x = state[w]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[w] = x
    return np.int64((x * np.uint64(2685821657736338717)) >> np.uint64(11))


@numba.njit(inline="always", fastmath=True, boundscheck=False)
def _step(w, kept, i, lo_c, hi_c, lr, syn0, syn1, prob, alias, state, in_rows, in_count,
          in_delta, out_rows, out_delta, g, loss):
    """Warp ``w``'s step for its centre ``kept[i]`` (its chunk ``kept[lo_c:hi_c]``), from
    the parameters as they are (nothing written): its rows and steps into the buffers."""
    n_words = prob.shape[0]
    k1 = out_rows.shape[1]
    in_count[w] = 0
    b = 1 + _draw(state, w) % WINDOW
    lo, hi = max(lo_c, i - b), min(hi_c, i + b + 1)
    m = 0
    for t in range(lo, hi):
        if t != i:
            in_rows[w, m] = kept[t]
            m += 1
    in_count[w] = m
    if m == 0:
        return
    out_rows[w, 0] = kept[i]
    for k in range(1, k1):
        j = _draw(state, w) % n_words
        u = (_draw(state, w) & 0xFFFFFF) / 16777216.0
        out_rows[w, k] = j if u < prob[j] else alias[j]
    for k in range(k1):
        o = out_rows[w, k]
        if k > 0 and o == out_rows[w, 0]:
            for j in range(m):
                g[w, k, j] = 0.0
            continue
        for j in range(m):
            s = np.float32(0.0)
            r = in_rows[w, j]
            for d in range(DIM):
                s += syn1[o, d] * syn0[r, d]
            s = min(max(s, np.float32(-20.0)), np.float32(20.0))
            if k == 0:
                loss[w] += np.log1p(np.exp(-s))
            label = np.float32(1.0) if k == 0 else np.float32(0.0)
            g[w, k, j] = lr * (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-s)))
    for j in range(m):
        for d in range(DIM):
            acc = np.float32(0.0)
            for k in range(k1):
                acc += g[w, k, j] * syn1[out_rows[w, k], d]
            in_delta[w, j, d] = acc
    for k in range(k1):
        for d in range(DIM):
            acc = np.float32(0.0)
            for j in range(m):
                acc += g[w, k, j] * syn0[in_rows[w, j], d]
            out_delta[w, k, d] = acc


@numba.njit(fastmath=True, boundscheck=False)
def _write(atomic, active, syn0, syn1, in_rows, in_count, in_delta, out_rows, out_delta,
           stamp0, stamp1, round_):
    """The round's steps written: all added (``atomic``), or each row only its last
    writing warp's steps (the warps in order; every earlier warp's step is lost, and a
    warp's own steps to a row it holds twice are both kept, as one warp's ``+=`` keeps
    them). A stamp is the round and the warp that wrote the row in it."""
    k1 = out_rows.shape[1]
    warps = active.shape[0]
    for w in range(warps - 1, -1, -1):  # last writer first
        if not active[w] or in_count[w] == 0:
            continue
        mine = round_ * warps + w
        for j in range(in_count[w]):
            r = in_rows[w, j]
            if not atomic:
                if stamp0[r] >= round_ * warps and stamp0[r] != mine:
                    continue  # a later warp of this round wrote it: this step is lost
                stamp0[r] = mine
            for d in range(DIM):
                syn0[r, d] += in_delta[w, j, d]
        for k in range(k1):
            o = out_rows[w, k]
            if not atomic:
                if stamp1[o] >= round_ * warps and stamp1[o] != mine:
                    continue
                stamp1[o] = mine
            for d in range(DIM):
                syn1[o, d] += out_delta[w, k, d]


@numba.njit(parallel=True, fastmath=True, boundscheck=False)
def _epoch(kept, lo_k, hi_k, lrs, warps, atomic, syn0, syn1, prob, alias, state, stamp0,
           stamp1, round_, loss):
    """One epoch in rounds of ``warps``: each warp takes the next chunk (its kept words
    ``kept[lo_k[c]:hi_k[c]]`` at rate ``lrs[c]``) when its own is done. Returns the
    round count so far and the centres stepped."""
    k1 = NEGATIVE + 1
    in_rows = np.zeros((warps, CONTEXTS), np.int64)
    in_count = np.zeros(warps, np.int64)
    in_delta = np.zeros((warps, CONTEXTS, DIM), np.float32)
    out_rows = np.zeros((warps, k1), np.int64)
    out_delta = np.zeros((warps, k1, DIM), np.float32)
    g = np.zeros((warps, k1, CONTEXTS), np.float32)
    pos, lo_of, hi_of = (np.zeros(warps, np.int64), np.zeros(warps, np.int64),
                         np.zeros(warps, np.int64))
    lr_of = np.zeros(warps, np.float32)
    active = np.zeros(warps, np.bool_)
    queue, n_chunks, steps = 0, lo_k.shape[0], 0
    for w in range(warps):
        while queue < n_chunks and lo_k[queue] == hi_k[queue]:
            queue += 1
        if queue < n_chunks:
            pos[w], lo_of[w], hi_of[w], lr_of[w] = lo_k[queue], lo_k[queue], hi_k[queue], \
                lrs[queue]
            active[w] = True
            queue += 1
    while active.any():
        if warps >= 32:
            for w in numba.prange(warps):
                if active[w]:
                    _step(w, kept, pos[w], lo_of[w], hi_of[w], lr_of[w], syn0, syn1, prob,
                          alias, state, in_rows, in_count, in_delta, out_rows, out_delta,
                          g, loss)
        else:
            for w in range(warps):
                if active[w]:
                    _step(w, kept, pos[w], lo_of[w], hi_of[w], lr_of[w], syn0, syn1, prob,
                          alias, state, in_rows, in_count, in_delta, out_rows, out_delta,
                          g, loss)
        _write(atomic, active, syn0, syn1, in_rows, in_count, in_delta, out_rows, out_delta,
               stamp0, stamp1, round_)
        round_ += 1
        for w in range(warps):
            if not active[w]:
                continue
            steps += 1
            pos[w] += 1
            if pos[w] >= hi_of[w]:
                while queue < n_chunks and lo_k[queue] == hi_k[queue]:
                    queue += 1
                if queue < n_chunks:
                    pos[w], lo_of[w], hi_of[w], lr_of[w] = lo_k[queue], lo_k[queue], \
                        hi_k[queue], lrs[queue]
                    queue += 1
                else:
                    active[w] = False
    return round_, steps


def train(tokens, counts, *, warps: int, atomic: bool, epochs: int, seed: int):
    """SGNS in rounds of ``warps`` (see the module docstring): ``(syn0, mean loss of a
    centre's positive pairs)``."""
    rng = np.random.default_rng(seed)
    n = len(counts)
    syn0 = (rng.random((n, DIM), dtype=np.float32) - 0.5) / DIM
    syn1 = np.zeros((n, DIM), np.float32)
    keep = keep_probabilities(counts, 1e-4).astype(np.float32)
    prob, alias = (np.asarray(a) for a in noise_tables(counts, 0.75))
    prob, alias = prob.astype(np.float32), alias.astype(np.int64)
    total = epochs * len(tokens)
    state = ((np.arange(1, warps + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
             ^ np.uint64(seed)) | np.uint64(1)
    stamp0, stamp1 = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    loss = np.zeros(warps)
    steps = round_ = 0
    for epoch in range(epochs):
        keep_mask = rng.random(len(tokens)) < keep[tokens]
        before = np.concatenate([[0], np.cumsum(keep_mask)])  # kept before each position
        kept = tokens[keep_mask].astype(np.int64)
        starts = np.arange(0, len(tokens), CHUNK)
        lo_k, hi_k = before[starts], before[np.minimum(starts + CHUNK, len(tokens))]
        # each chunk at its place's learning rate, decayed linearly over the run
        done = epoch * len(tokens) + starts
        lrs = np.maximum(ALPHA * (1 - done / total), ALPHA * 1e-4).astype(np.float32)
        round_, stepped = _epoch(kept, lo_k, hi_k, lrs, warps, atomic, syn0, syn1, prob,
                                 alias, state, stamp0, stamp1, round_, loss)
        steps += stepped
    return syn0, loss.sum() / max(steps, 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(Path(__file__).resolve().parents[2].parent
                                          / "shared" / "data"))
    p.add_argument("--words", type=int, default=None)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", nargs="+", default=["1:atomic", "2600:atomic", "2600:plain"],
                   help="WARPS:atomic|plain each")
    args = p.parse_args()
    corpus = str(Path(args.data) / "corpora" / "enwiki2015-text8.gz")
    words = gpu.read_words(corpus, args.words)
    vocab, tokens, _, freq = gpu.encode(words, 5)
    del words
    print(f"{len(tokens):,} words, {len(vocab):,} types; dim {DIM}, window {WINDOW}, "
          f"negative {NEGATIVE}, sample 1e-4, alpha {ALPHA}, {args.epochs} epoch(s)")
    print(f"{'warps':>6} {'writes':>7} {'seconds':>8} {'loss':>6} {'WS353':>6} "
          f"{'SimLex':>6} {'Google':>7}", flush=True)
    for run in args.runs:
        warps, mode = run.split(":")
        t = time.perf_counter()
        syn0, loss = train(tokens, freq, warps=int(warps), atomic=mode == "atomic",
                           epochs=args.epochs, seed=args.seed)
        s = gpu.evaluate(vocab, syn0, Path(args.data))
        print(f"{warps:>6} {mode:>7} {time.perf_counter() - t:>8.0f} {loss:>6.3f} "
              f"{s.get('ws353', np.nan):>6.3f} {s.get('simlex', np.nan):>6.3f} "
              f"{100 * s.get('google', np.nan):>6.1f}%", flush=True)


if __name__ == "__main__":
    main()
