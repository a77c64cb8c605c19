"""Device code for negative sampling over the engine's layouts (Numba-CUDA).

One **warp per sentence chunk** (a block holds ``warps`` of them, each on its own
chunk): the warp subsamples its chunk, then walks its kept words as centres. Each
lane owns the dimensions ``lane, lane + 32, ...`` of every row, so a dot product is
a per-lane partial sum and one butterfly reduction (``shfl_xor``), and an update is a
plain per-lane loop with no further communication.

Random numbers: every lane has its own xorshift64* state (subsampling decisions, one
per token), and the warp has one more state that every lane holds an identical copy
of, so warp-uniform draws (the window size, the negatives) need no communication.
Both are seeded by splitmix64 from ``seed`` (the driver's: one an epoch) and the
chunk's place in the call's list of chunks (all of its epoch's, wherever the call
starts).

The window step, :func:`build`'s ``window_step`` (built twice: the contexts' rows in
global syn0, or in the shared cache below), is the CPU engine's
:func:`wordspace.kernels.sgns.negative_sampling_kernel` for one example of one-row bags
(skip-gram's contexts, at most ``block`` of a window; PV-DBOW's sentence row one more):
``S = U V^T``, ``G = lr (labels - sigmoid(S))``, then ``V += G^T U`` and
``U += out_rate G V`` from the old values (each step is added to its row, so a row that
appears twice gets both steps, as on the CPU); a negative equal to the centre is
skipped. ``bag_step`` is the same over bags of several rows, each bag's input their
mean and every row of a bag taking its step: CBOW's window, fastText's word and n-gram
rows. The layout is compiled in (:func:`build`'s ``block``, ``window_bag``,
``subwords``, ``tagged``). The training kernel and the test kernel (the CPU engine's
examples, :func:`build`'s ``examples_kernel``) call the same functions.

Hogwild: rows are read without synchronisation. How a step is added to a global row is
:func:`build`'s ``atomic``: ``False``, a plain load, add and store (``row[d] += step``),
which loses another warp's add to the same element if it lands between the two; with
``atomic=True`` (what the executor builds by default) every such write (the output rows
of the centre and the negatives, the input rows of the contexts, the cache's write-back
of a row's difference) is one ``cuda.atomic.add`` of the step, which loses none. The
step is computed from the values read before, so for a single warp the two are the same
arithmetic (bit for bit on the simulator; on a GPU to float32 rounding, as the plain
``v + a * b`` compiles to one FMA); a lane owns distinct dimensions, so a warp's 32
atomics go to 32 distinct (contiguous) addresses.

The context rows of the sliding window can be kept in shared memory (``cache=True``):
a ring of ``2 * window + 1`` rows per warp, loaded once when a word enters the window
and written back when it leaves (as the difference from the value loaded, so other
warps' concurrent updates of the row are kept, Hogwild). Each input row is then read
and written once per chunk instead of once per centre it is a context of; the price
is that two occurrences of one word inside one window are two copies, which see each
other's updates only after both have left it.

Under the simulator (``NUMBA_ENABLE_CUDASIM=1``) there are no warp shuffles or
ballots: the same functions are built over a per-warp shared scratch and
``syncthreads`` instead, and a block must then be a single warp.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from numba import cuda

from wordspace.cuda.device import simulated
from wordspace.engine.layout import SHARED_BAGS

SIMULATED = simulated()
if SIMULATED:  # the simulator runs uint64 arithmetic in NumPy scalars, which warn on wrap
    warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)

#: contexts of one window summed into one step: the CPU's skip-gram layout (a window of
#: more is taken this many at a time, each block with fresh negatives)
BLOCK = SHARED_BAGS
#: the loss is tracked on every LOSS_EVERY-th kept centre of a chunk, as on the CPU
LOSS_EVERY = 8
WARP = 32
FULL_MASK = 0xFFFFFFFF

_MULT = np.uint64(2685821657736338717)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S12, _S25, _S27 = np.uint64(12), np.uint64(25), np.uint64(27)
_S30, _S31, _S32, _S40 = np.uint64(30), np.uint64(31), np.uint64(32), np.uint64(40)
_TO_UNIT = np.float32(1.0 / (1 << 24))


@cuda.jit(device=True)
def splitmix(z):
    """splitmix64's output for ``z`` (a uint64): seeds a xorshift state (never 0)."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return z | np.uint64(1)


@cuda.jit(device=True)
def xorshift(x):
    """One xorshift64 step of the state ``x``; its output is ``x * _MULT`` (xorshift64*)."""
    x ^= x >> _S12
    x ^= x << _S25
    x ^= x >> _S27
    return x


@cuda.jit(device=True)
def unit(x):
    """Uniform float32 in [0, 1) from state ``x`` (24 bits of its xorshift64* output)."""
    return np.float32((x * _MULT) >> _S40) * _TO_UNIT


@cuda.jit(device=True)
def below(x, n):
    """Uniform integer in [0, n) from state ``x`` (multiply-shift on 32 high bits)."""
    return np.int64((((x * _MULT) >> _S32) * np.uint64(n)) >> _S32)


@cuda.jit(device=True)
def draw_noise(state, alias_prob, alias_index):
    """One negative by Walker's alias method; returns ``(word, new state)``."""
    state = xorshift(state)
    i = below(state, alias_prob.shape[0])
    state = xorshift(state)
    if unit(state) < alias_prob[i]:
        return np.int32(i), state
    return np.int32(alias_index[i]), state


@cuda.jit(device=True)
def log_sigmoid(x):
    """log sigma(x) without overflow for either sign (float64)."""
    x = np.float64(x)
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


@cuda.jit(device=True)
def sigmoid(x):
    """The logistic function in float32, on the device."""
    return np.float32(1.0) / (np.float32(1.0) + math.exp(-x))


if SIMULATED:
    @cuda.jit(device=True)
    def warp_sum(x, scratch, lane, lanes):
        """The sum of ``x`` over the ``lanes`` lanes, in every lane (simulator: a shared
        scratch between two barriers, or nothing to do for one lane)."""
        if lanes == 1:
            return x
        scratch[lane] = x
        cuda.syncthreads()
        total = scratch[0]
        for i in range(1, lanes):
            total += scratch[i]
        cuda.syncthreads()
        return total

    @cuda.jit(device=True)
    def warp_ballot(flag, scratch, lane, lanes):
        """A mask with bit ``i`` set where lane ``i``'s ``flag`` is true."""
        if lanes == 1:
            return 1 if flag else 0
        scratch[lane] = np.float32(1.0) if flag else np.float32(0.0)
        cuda.syncthreads()
        mask = 0
        for i in range(lanes):
            if scratch[i] != 0:
                mask |= 1 << i
        cuda.syncthreads()
        return mask

    @cuda.jit(device=True)
    def warp_sync(lanes):
        if lanes > 1:
            cuda.syncthreads()
else:
    @cuda.jit(device=True)
    def warp_sum(x, scratch, lane, lanes):
        """The sum of ``x`` over the warp, in every lane (butterfly of shuffles; a GPU
        build always has ``lanes`` 32)."""
        x += cuda.shfl_xor_sync(FULL_MASK, x, 16)
        x += cuda.shfl_xor_sync(FULL_MASK, x, 8)
        x += cuda.shfl_xor_sync(FULL_MASK, x, 4)
        x += cuda.shfl_xor_sync(FULL_MASK, x, 2)
        x += cuda.shfl_xor_sync(FULL_MASK, x, 1)
        return x

    @cuda.jit(device=True)
    def warp_ballot(flag, scratch, lane, lanes):
        """A mask with bit ``i`` set where lane ``i``'s ``flag`` is true."""
        return cuda.ballot_sync(FULL_MASK, flag)

    @cuda.jit(device=True)
    def warp_sync(lanes):
        cuda.syncwarp(FULL_MASK)


@cuda.jit(device=True)
def subsample(tokens, keep, start, stop, kept, own, scratch, lane, lanes):
    """Keep each word of ``tokens[start:stop]`` with probability ``keep[word]`` (lane
    ``i`` of ``lanes`` decides tokens ``start + i, start + i + lanes, ...`` with its
    state ``own``) and
    write the kept words, in order, to ``kept[start:]``. Returns ``(kept count, own)``."""
    n = np.int64(0)
    for base in range(start, stop, lanes):
        t = base + lane
        take = False
        w = np.int32(0)
        if t < stop:
            w = tokens[t]
            p = keep[w]
            if p >= np.float32(1.0):
                take = True
            else:
                own = xorshift(own)
                take = unit(own) < p
        mask = warp_ballot(take, scratch, lane, lanes)
        if take:
            kept[start + n + cuda.popc(mask & ((1 << lane) - 1))] = w
        n += cuda.popc(mask)
    warp_sync(lanes)
    return n, own


@cuda.jit(device=True)
def seeds(seed, chunk, lane):
    """The lane's own state and the warp's shared state for ``chunk`` of a run."""
    mixed = np.uint64(seed) ^ (np.uint64(chunk) * _MIX2)
    return splitmix(mixed ^ (np.uint64(lane + 1) * _GOLDEN)), splitmix(mixed)


@cuda.jit
def sample_kernel(tokens, keep, alias_prob, alias_index, kept, chunk_start, chunk_stop,
                  first, seed, window, negative, lanes, out_kept, out_window,
                  out_negatives):
    """The training kernel's draws for chunk ``first + blockIdx.x`` (a warp a block), recorded
    for tests: how many words it keeps (``out_kept[c]``; the words go to ``kept``), the
    window size of each kept centre (``out_window[start + i]``) and its first block's
    negatives (``out_negatives[start + i]``), from the same functions, in the same order."""
    lane = cuda.threadIdx.x
    scratch = cuda.shared.array(WARP, np.float32)
    c = first + cuda.blockIdx.x
    start = chunk_start[c]
    own, shared = seeds(seed, c, lane)
    n, own = subsample(tokens, keep, start, chunk_stop[c], kept, own, scratch, lane, lanes)
    for i in range(n):
        shared = xorshift(shared)
        b = 1 + below(shared, window)
        if lane == 0:
            out_window[start + i] = b
        lo = max(i - b, 0)
        hi = min(i + b + 1, n)
        m = hi - lo - 1
        while m > 0:  # a block of contexts, then its negatives
            for k in range(negative):
                word, shared = draw_noise(shared, alias_prob, alias_index)
                if lane == 0 and m == hi - lo - 1:
                    out_negatives[start + i, k] = word
            m -= BLOCK
    if lane == 0:
        out_kept[c] = n


@functools.cache
def add_to(atomic: bool):
    """The device function ``add(mat, row, d, x)``: ``mat[row, d] += x``, as one
    ``cuda.atomic.add`` if ``atomic`` (no other warp's add to the element is lost), else
    a plain load, add and store. Every kernel that adds a step to a shared row uses it."""
    if atomic:
        @cuda.jit(device=True)
        def add(mat, row, d, x):
            cuda.atomic.add(mat, (row, d), x)
    else:
        @cuda.jit(device=True)
        def add(mat, row, d, x):
            mat[row, d] += x
    return add


def default_lanes() -> int:
    """Lanes per warp: 32 on a GPU; 1 under the simulator, where every barrier between
    lanes costs milliseconds (tests build with 32 to check the lanes' cooperation)."""
    return 1 if SIMULATED else WARP


def shared_bytes(*, dim: int, window: int, warps: int, cache: bool) -> int:
    """Shared memory one block of :func:`build`'s training kernel uses."""
    ring = 2 * (2 * window + 1) * dim * 4 if cache else 4
    return warps * (ring + WARP * 4)


def build(*, dim: int, window: int, negative: int, warps: int = 1, cache: bool = False,
          atomic: bool = False, lanes: int | None = None, block: int = BLOCK,
          window_bag: bool = False, subwords: bool = False, tagged: bool = False,
          strided: bool = False):
    """The kernels for one shape and layout: ``(train_kernel, examples_kernel)``, with
    ``warps`` warps of ``lanes`` threads per block (default :func:`default_lanes`).

    The layout (:class:`~wordspace.engine.layout.Layout`): ``block`` bags at most per
    example (a window's bags cut into examples of that many, each with its own
    negatives); ``window_bag``: the whole window one bag (CBOW) and one example;
    ``subwords``: a context word is its bag of rows in a word-bag table (fastText);
    ``tagged``: every centre also has its sentence's row as a last context (PV-DBOW).
    ``cache`` keeps the window's context rows in shared memory (skip-gram's one-row bags
    only), ``atomic`` adds every step to a global row with ``cuda.atomic.add`` (see the
    module docstring); ``strided``: each warp trains every so many chunks in turn, for
    launches of fewer warps than chunks (without it, a warp per chunk: the loop costs
    the SGNS kernel 22 registers a thread, 96 -> 118 on sm_90, and so occupancy).

    Shapes and options are compile-time constants (register and shared arrays are sized
    by them); each distinct combination compiles once per process.
    """
    return _build(dim=int(dim), window=int(window), negative=int(negative),
                  warps=int(warps), cache=bool(cache), atomic=bool(atomic),
                  lanes=default_lanes() if lanes is None else int(lanes),
                  block=max(int(block), 1), window_bag=bool(window_bag),
                  subwords=bool(subwords), tagged=bool(tagged), strided=bool(strided))


@functools.cache
def _build(*, dim, window, negative, warps, cache, atomic, lanes, block, window_bag,
           subwords, tagged, strided):
    if SIMULATED and warps != 1:
        raise ValueError("the simulator's warp functions need one warp per block")
    if not SIMULATED and lanes != WARP:
        raise ValueError(f"a GPU warp has {WARP} lanes")
    if cache and (window_bag or subwords or tagged):
        raise ValueError("the shared-memory cache holds skip-gram's one-row bags only")
    if subwords and tagged:
        raise ValueError("sentence rows beside subword bags are not on the device")
    LANES = lanes
    DIM = dim
    DPL = (dim + LANES - 1) // LANES  # dimensions per lane
    K1 = negative + 1
    WINDOW = window
    RING = 2 * window + 1 if cache else 1
    RDIM = dim if cache else 1
    WARPS = warps
    TAGGED = tagged
    STRIDED = strided
    WINDOW_BAG = window_bag
    # contexts per example, and bags: a window bag is every context in one bag
    ITEMS = max(2 * window + int(tagged), 1) if window_bag else block
    NB = 1 if window_bag else block
    ONE_ROW = not (window_bag or subwords)  # every bag one row: window_step's fast path
    # local arrays' sizes must be constants of the kernel, not expressions in it
    GSIZE = K1 * ITEMS
    ITEMS1 = ITEMS + 1
    HSIZE = NB * DPL
    BGSIZE = K1 * NB
    NB1 = NB + 1

    # a step to a global row: atomic if asked; to the ring (shared memory, one warp's
    # own, each lane its own dimensions), always plain
    add_global = add_to(atomic)

    def make_scores(partial):
        """``scores(...)``: an example's scores and coefficients, ``g[k * stride + j] =
        lr (label_k - sigmoid(u_k . x_j))`` for its ``nb`` inputs ``x_j`` against the
        output rows ``outs`` (zero for a negative equal to the centre); returns the loss
        if ``track``. ``partial(source, index, j, mine, lane)`` is the lane's part of
        ``x_j``'s dot product with ``mine`` (the lane's dimensions of ``u_k``)."""
        @cuda.jit(device=True)
        def scores(source, index, nb, stride, out_mat, outs, lr, lane, scratch, track, g):
            mine = cuda.local.array(DPL, np.float32)
            loss = 0.0
            centre = outs[0]
            for k in range(K1):
                o = outs[k]
                if k > 0 and o == centre:
                    for j in range(nb):
                        g[k * stride + j] = np.float32(0.0)
                    continue
                for t in range(DPL):
                    d = lane + LANES * t
                    mine[t] = out_mat[o, d] if d < DIM else np.float32(0.0)
                label = np.float32(1.0) if k == 0 else np.float32(0.0)
                for j in range(nb):
                    s = warp_sum(partial(source, index, j, mine, lane), scratch, lane,
                                 LANES)
                    if track:
                        loss -= log_sigmoid(s if k == 0 else -s)
                    g[k * stride + j] = (label - sigmoid(s)) * lr
            return loss
        return scores

    @cuda.jit(device=True)
    def row_partial(in_mat, in_rows, j, mine, lane):
        """The lane's part of ``u . in_mat[in_rows[j]]``."""
        r = in_rows[j]
        part = np.float32(0.0)
        for t in range(DPL):
            d = lane + LANES * t
            if d < DIM:
                part += mine[t] * in_mat[r, d]
        return part

    @cuda.jit(device=True)
    def mean_partial(h, unused, j, mine, lane):
        """The lane's part of ``u . h_j`` (``h`` the lane's dimensions of each bag)."""
        part = np.float32(0.0)
        for t in range(DPL):
            part += mine[t] * h[j * DPL + t]
        return part

    row_scores = make_scores(row_partial)
    mean_scores = make_scores(mean_partial)

    # the steps of one dimension ``d`` (a lane's), shared by window_step and bag_step
    @cuda.jit(device=True)
    def load_outputs(out_mat, outs, d, u):
        """``u[k]`` = dimension ``d`` of output row ``outs[k]`` (the old values)."""
        for k in range(K1):
            u[k] = out_mat[outs[k], d]

    @cuda.jit(device=True)
    def input_step(g, stride, u, j):
        """Input ``j``'s step in this dimension, ``(G^T U)_j``."""
        acc = np.float32(0.0)
        for k in range(K1):
            acc += g[k * stride + j] * u[k]
        return acc

    @cuda.jit(device=True)
    def add_output_steps(out_mat, outs, d, g, stride, x, n, out_rate):
        """``U += out_rate G X`` in dimension ``d``, ``x[j]`` the ``n`` inputs' old
        values there."""
        for k in range(K1):
            acc = np.float32(0.0)
            for j in range(n):
                acc += g[k * stride + j] * x[j]
            add_global(out_mat, outs[k], d, acc * out_rate)

    def make_window_step(add_input):
        """``window_step`` adding the input rows' steps with ``add_input`` (the output
        rows are global: ``add_global``)."""
        @cuda.jit(device=True)
        def window_step(in_mat, in_rows, m, out_mat, outs, lr, out_rate, lane, scratch,
                        track):
            """One example's step (see the module docstring): ``m`` one-row bags
            ``in_mat[in_rows[j]]`` against the output rows ``out_mat[outs[k]]`` (the
            centre, then the negatives), which step ``out_rate`` times as far. Returns
            the example's summed loss if ``track`` (else 0)."""
            g = cuda.local.array(GSIZE, np.float32)
            loss = row_scores(in_mat, in_rows, m, ITEMS, out_mat, outs, lr, lane, scratch,
                              track, g)
            u = cuda.local.array(K1, np.float32)
            v = cuda.local.array(ITEMS, np.float32)
            for t in range(DPL):
                d = lane + LANES * t
                if d < DIM:
                    load_outputs(out_mat, outs, d, u)
                    for j in range(m):
                        v[j] = in_mat[in_rows[j], d]
                    for j in range(m):  # V += G^T U (old U)
                        add_input(in_mat, in_rows[j], d, input_step(g, ITEMS, u, j))
                    add_output_steps(out_mat, outs, d, g, ITEMS, v, m, out_rate)  # old V
            return loss
        return window_step

    global_step = make_window_step(add_global)  # input rows in syn0
    ring_step = make_window_step(add_to(False))  # input rows in the warp's ring

    def make_bag_step(table_rows):
        """``bag_step`` over bags of pieces: piece ``p`` is the input rows
        ``table[q]`` for ``q`` in ``first[p]:last[p]`` if ``table_rows``, else the rows
        ``q`` themselves (a word's own row is the piece ``w:w + 1``)."""
        @cuda.jit(device=True)
        def bag_row(table, q):
            return table[q] if table_rows else q

        @cuda.jit(device=True)
        def bag_step(in_mat, table, first, last, bag_ptr, nb, out_mat, outs, lr, out_rate,
                     lane, scratch, track):
            """One example's step over ``nb`` bags of several rows (bag ``j`` the pieces
            ``bag_ptr[j]:bag_ptr[j + 1]``): each bag's input ``h_j`` is the mean of its
            rows, ``S = U H^T``, ``G = lr (labels - sigmoid(S))``; every row of bag
            ``j`` takes ``(G^T U)_j`` and ``U += out_rate G H``, from the old values (the
            CPU's ``ANY_BAGS`` kernel; its one-bag path steps a repeated negative from
            the value its first draw left, here both draws step from the old value).
            Returns the summed loss if ``track`` (else 0)."""
            h = cuda.local.array(HSIZE, np.float32)
            g = cuda.local.array(BGSIZE, np.float32)
            for j in range(nb):  # the bags' means, from the old rows
                for t in range(DPL):
                    h[j * DPL + t] = np.float32(0.0)
                count = 0
                for p in range(bag_ptr[j], bag_ptr[j + 1]):
                    for q in range(first[p], last[p]):
                        r = bag_row(table, q)
                        for t in range(DPL):
                            d = lane + LANES * t
                            if d < DIM:
                                h[j * DPL + t] += in_mat[r, d]
                        count += 1
                scale = np.float32(1.0) / np.float32(max(count, 1))
                for t in range(DPL):
                    h[j * DPL + t] *= scale
            loss = mean_scores(h, h, nb, NB, out_mat, outs, lr, lane, scratch, track, g)
            u = cuda.local.array(K1, np.float32)
            x = cuda.local.array(NB, np.float32)
            for t in range(DPL):
                d = lane + LANES * t
                if d < DIM:
                    load_outputs(out_mat, outs, d, u)
                    for j in range(nb):  # every row of bag j += (G^T U)_j (old U)
                        acc = input_step(g, NB, u, j)
                        for p in range(bag_ptr[j], bag_ptr[j + 1]):
                            for q in range(first[p], last[p]):
                                add_global(in_mat, bag_row(table, q), d, acc)
                        x[j] = h[j * DPL + t]
                    add_output_steps(out_mat, outs, d, g, NB, x, nb, out_rate)  # old H
            return loss
        return bag_step

    listed_step = make_bag_step(True)  # pieces in a table: word bags, examples' rows
    own_row_step = make_bag_step(False)  # pieces of rows themselves: CBOW's plain words
    train_bag_step = listed_step if subwords else own_row_step

    @cuda.jit
    def examples_kernel(syn0, syn1, centres, bag_ptr, row_ptr, rows, negatives, n_examples,
                        lr, out_rate, out_loss):
        """The CPU engine's examples (:class:`~wordspace.engine.layout.Examples`' arrays:
        example ``e`` is ``centres[e]`` and ``negatives[e]`` against the bags
        ``bag_ptr[e]:bag_ptr[e + 1]``, bag ``b`` the rows ``rows[row_ptr[b]:row_ptr[b +
        1]]``), by one warp in order: an example of one-row bags by the training
        kernel's ``window_step``, any other by its ``bag_step``. ``out_loss[0]`` gets
        the summed loss of every term."""
        lane = cuda.threadIdx.x
        scratch = cuda.shared.array(WARP, np.float32)
        in_rows = cuda.local.array(ITEMS, np.int32)
        first = cuda.local.array(NB, np.int64)
        last = cuda.local.array(NB, np.int64)
        pieces = cuda.local.array(NB1, np.int64)
        outs = cuda.local.array(K1, np.int32)
        loss = 0.0
        for e in range(n_examples):
            b0 = bag_ptr[e]
            m = bag_ptr[e + 1] - b0
            outs[0] = centres[e]
            for k in range(K1 - 1):
                outs[k + 1] = negatives[e, k]
            if row_ptr[b0 + m] - row_ptr[b0] == m:
                for j in range(m):
                    in_rows[j] = rows[row_ptr[b0 + j]]
                loss += global_step(syn0, in_rows, m, syn1, outs, lr, out_rate, lane,
                                    scratch, True)
            else:
                for j in range(m):
                    first[j] = row_ptr[b0 + j]
                    last[j] = row_ptr[b0 + j + 1]
                    pieces[j] = j
                pieces[m] = m
                loss += listed_step(syn0, rows, first, last, pieces, m, syn1, outs, lr,
                                    out_rate, lane, scratch, True)
        if lane == 0:
            out_loss[0] = loss

    @cuda.jit(device=True)
    def ring_load(ring, orig, syn0, word, slot, lane):
        for t in range(DPL):
            d = lane + LANES * t
            if d < DIM:
                x = syn0[word, d]
                ring[slot, d] = x
                orig[slot, d] = x

    @cuda.jit(device=True)
    def ring_store(ring, orig, syn0, word, slot, lane):
        for t in range(DPL):
            d = lane + LANES * t
            if d < DIM:
                add_global(syn0, word, d, ring[slot, d] - orig[slot, d])

    @cuda.jit(device=True)
    def chunk(c, tokens, keep, alias_prob, alias_index, syn0, syn1, kept, chunk_start,
              chunk_stop, chunk_lr, chunk_row, bag_ptr, bag_rows, out_rate, token_base, seed,
              out_loss, out_terms, out_pairs, out_examples, lane, scratch, ring, orig, rows,
              first, last, pieces, outs):
        """Train chunk ``c`` (see ``train_kernel``) with this warp's scratch arrays."""
        lr = chunk_lr[c]
        start = chunk_start[c] - token_base
        stop = chunk_stop[c] - token_base
        doc = chunk_row[c] if TAGGED else np.int32(0)
        own, shared = seeds(seed, c, lane)  # shared: identical in every lane
        n, own = subsample(tokens, keep, start, stop, kept, own, scratch, lane, LANES)
        if not ONE_ROW:  # bag p is piece p (a window bag: pieces[1] set per example)
            for p in range(ITEMS1):
                pieces[p] = p
        if cache:
            for p in range(min(WINDOW, n)):
                ring_load(ring, orig, syn0, kept[start + p], p % RING, lane)
        loss = 0.0
        terms = np.int64(0)
        pairs = np.int64(0)
        examples = np.int64(0)
        for i in range(n):
            if cache:
                q = i + WINDOW
                if q < n:
                    if q >= RING:
                        ring_store(ring, orig, syn0, kept[start + q - RING], q % RING, lane)
                    ring_load(ring, orig, syn0, kept[start + q], q % RING, lane)
            lo = i
            hi = i
            if WINDOW > 0:
                shared = xorshift(shared)
                b = 1 + below(shared, WINDOW)
                lo = max(i - b, 0)
                hi = min(i + b + 1, n)
            track = i % LOSS_EVERY == 0
            outs[0] = kept[start + i]
            if TAGGED or hi - lo > 1:  # a context, or the sentence's row: trained
                examples += 1
            j = lo
            doc_left = TAGGED
            while True:  # the window's contexts (then the sentence's row), ITEMS at a time
                m = 0
                while m < ITEMS and (j < hi or doc_left):
                    if j < hi:
                        if j != i:
                            w = kept[start + j]
                            rows[m] = j % RING if cache else w
                            if subwords:  # the word's bag: its rows in the table
                                first[m] = bag_ptr[w]
                                last[m] = bag_ptr[w + 1]
                            elif WINDOW_BAG:  # its own row
                                first[m] = w
                                last[m] = w + 1
                            m += 1
                        j += 1
                    else:
                        rows[m] = doc
                        first[m] = doc
                        last[m] = doc + 1
                        doc_left = False
                        m += 1
                if m == 0:
                    break
                for k in range(K1 - 1):
                    word, shared = draw_noise(shared, alias_prob, alias_index)
                    outs[k + 1] = word
                nb = 1 if WINDOW_BAG else m
                if cache:
                    step_loss = ring_step(ring, rows, m, syn1, outs, lr, out_rate, lane,
                                          scratch, track)
                elif ONE_ROW:
                    step_loss = global_step(syn0, rows, m, syn1, outs, lr, out_rate, lane,
                                            scratch, track)
                else:
                    if WINDOW_BAG:  # one bag of every piece
                        pieces[1] = m
                    step_loss = train_bag_step(syn0, bag_rows, first, last, pieces, nb,
                                               syn1, outs, lr, out_rate, lane, scratch,
                                               track)
                pairs += m
                if track:
                    loss += step_loss
                    terms += nb
        if cache:
            for p in range(max(n - RING, 0), n):
                ring_store(ring, orig, syn0, kept[start + p], p % RING, lane)
        if lane == 0:  # added to zeros: a chunk trained twice would count twice
            out_loss[c] += loss
            out_terms[c] += terms
            out_pairs[c] += pairs
            out_examples[c] += examples

    @cuda.jit
    def train_kernel(tokens, keep, alias_prob, alias_index, syn0, syn1, kept,
                     chunk_start, chunk_stop, chunk_lr, chunk_row, bag_ptr, bag_rows,
                     out_rate, first_chunk, count, token_base, seed, out_loss, out_terms,
                     out_pairs, out_examples):
        """Chunks ``first_chunk .. first_chunk + count - 1`` of the run, one per warp:
        chunk ``c`` is the corpus's tokens ``chunk_start[c]:chunk_stop[c]`` (``tokens``
        holds the corpus from position ``token_base`` on: all of it, or a launch's
        span) at learning rate ``chunk_lr[c]`` (and, ``tagged``, with the sentence row
        ``chunk_row[c]``); ``kept`` (as long as ``tokens``) is scratch for its
        subsampled words; with
        ``subwords`` word ``w``'s bag is ``bag_rows[bag_ptr[w]:bag_ptr[w + 1]]``. Writes
        the chunk's tracked loss, tracked bags, trained contexts and trained centres
        (those with a context) at index ``c``."""
        warp = cuda.threadIdx.x // LANES
        lane = cuda.threadIdx.x % LANES
        scratch_all = cuda.shared.array((WARPS, WARP), np.float32)
        ring_all = cuda.shared.array((WARPS, RING, RDIM), np.float32)
        orig_all = cuda.shared.array((WARPS, RING, RDIM), np.float32)
        scratch = scratch_all[warp]
        ring = ring_all[warp]
        orig = orig_all[warp]
        rows = cuda.local.array(ITEMS, np.int32)
        first = cuda.local.array(ITEMS, np.int64)
        last = cuda.local.array(ITEMS, np.int64)
        pieces = cuda.local.array(ITEMS1, np.int64)
        outs = cuda.local.array(K1, np.int32)
        # a warp per chunk, or, strided (fewer warps launched than chunks: the executor's
        # ``concurrent_chunks``), each warp's chunks in turn, a grid's width apart: at
        # most that many chunks train at once, the next ones as the earlier ones end. The
        # call is written twice on purpose: a loop that runs once still costs the
        # registers (see build), so a warp per chunk gets no loop at all
        local = cuda.blockIdx.x * WARPS + warp
        if STRIDED:
            while local < count:
                chunk(first_chunk + local, tokens, keep, alias_prob, alias_index, syn0,
                      syn1, kept, chunk_start, chunk_stop, chunk_lr, chunk_row, bag_ptr,
                      bag_rows, out_rate, token_base, seed, out_loss, out_terms, out_pairs,
                      out_examples, lane, scratch, ring, orig, rows, first, last, pieces,
                      outs)
                local += cuda.gridDim.x * WARPS
        elif local < count:
            chunk(first_chunk + local, tokens, keep, alias_prob, alias_index, syn0, syn1,
                  kept, chunk_start, chunk_stop, chunk_lr, chunk_row, bag_ptr, bag_rows,
                  out_rate, token_base, seed, out_loss, out_terms, out_pairs, out_examples,
                  lane, scratch, ring, orig, rows, first, last, pieces, outs)

    return train_kernel, examples_kernel
