"""Logistic outputs over input bags: the one kernel of every negative-sampling and
hierarchical-softmax model.

An example is an output set against input bags (:mod:`wordspace.engine.layout`), each
with input ``h`` the mean of its rows (``v``, ``syn0``, the word vectors users get). With
negative sampling the output set is a centre word ``w`` and its negatives ``n``, and the
loss is

    L = -sum_h [ log sigma(u_w . h) + sum_n log sigma(-u_n . h) ]

with ``u`` the output vectors (``syn1neg``). With a hierarchical softmax it is the inner
nodes on the path to ``w``'s leaf (:class:`wordspace.huffman.HuffmanTree`), each with the
label ``t_n`` of the branch the path takes, and the loss is ``-log p(w | h)``:

    L = -sum_h sum_n [ t_n log sigma(u_n . h) + (1 - t_n) log sigma(-u_n . h) ]

with ``u`` the inner nodes' vectors (``syn1``). Both are logistic terms on output rows
with labels, so one kernel trains either; which is a compile-time constant. As in
word2vec.c, the context word is the input and the centre word the output. The kernels
of :func:`negative_sampling_kernel` and :func:`hierarchical_softmax_kernel` apply one
step per example and return ``(loss, pairs)``: the loss summed (in float64,
so it never saturates) over the bags of every ``LOSS_EVERY``-th example, and how many
bags that is. The ratio is an unbiased running estimate of the mean loss per bag,
without paying two logarithms per term on every example.

The layouts decide the shapes, and the kernel takes three paths through the same
arithmetic, so a one-row bag costs what word2vec.c's specialised loops cost: one bag
(skip-gram per pair, CBOW's window) fuses each output row's score and steps in one pass,
as word2vec.c does; several one-row bags (skip-gram's shared negatives) are small
matrix products on the rows in place; several bags of several rows (subwords) first
average each bag. The paths are also compiled apart, for jobs whose every example
takes one (:func:`bag_shape`), so that skip-gram and CBOW pay nothing for the others.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from wordspace.kernels._jit import kernel, prefetch_row

LOSS_EVERY = 8

#: Per-lane scratch of :func:`negative_sampling_kernel`'s kernels (see there); ``cache``,
#: ``start`` and ``cached`` are :func:`token_bags_kernel`'s (empty for the others).
NegativeSamplingScratch = namedtuple("NegativeSamplingScratch",
                                     ["grad", "d_in", "hidden", "index", "cache", "start",
                                      "cached"])

#: The kept words of a job and each word's input bag, for :func:`token_bags_kernel`: a
#: bag's row ``t`` stands for the kept word ``tokens[t]``, whose input rows are
#: ``rows[ptr[w]:ptr[w + 1]]``.
TokenBags = namedtuple("TokenBags", ["tokens", "ptr", "rows"])

#: A hierarchical softmax's output sets (:meth:`wordspace.huffman.HuffmanTree.paths`):
#: word ``w``'s is the inner nodes ``nodes[ptr[w]:ptr[w + 1]]`` (output rows), each with
#: the label its score is trained towards.
OutputPaths = namedtuple("OutputPaths", ["ptr", "nodes", "labels"])


@kernel
def _log_sigmoid(x):
    # log sigma(x) = -log(1 + exp(-x)), evaluated without overflow for either sign
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


@kernel(inline=True)
def _prefetch_outputs(outputs, centres, negatives, paths, hierarchical, e):
    """Start loading example ``e``'s output rows: its centre's and its negatives', or
    the inner nodes on its centre's path."""
    if hierarchical:
        _prefetch_path(outputs, paths, centres[e])
    else:
        _prefetch_negatives(outputs, centres, negatives, e)


@kernel(inline=True)
def _prefetch_negatives(outputs, centres, negatives, e):
    prefetch_row(outputs, centres[e])
    for k in range(negatives.shape[1]):
        prefetch_row(outputs, negatives[e, k])


@kernel(inline=True)
def _prefetch_path(outputs, paths, w):
    for p in range(paths.ptr[w], paths.ptr[w + 1]):
        prefetch_row(outputs, paths.nodes[p])


@kernel(inline=True)
def _output_set(outs, labels, centres, negatives, paths, hierarchical, e):
    """Write example ``e``'s output rows into ``outs`` and their labels into ``labels``
    (negative sampling: the centre, labelled 1, then its negatives, whose 0 labels stay
    from :func:`_label_buffers`); returns the two, cut to the example's rows (a path's
    length; negative sampling fills them whole)."""
    if hierarchical:
        w = centres[e]
        start = paths.ptr[w]
        n = paths.ptr[w + 1] - start
        outs[:n] = paths.nodes[start:start + n]
        labels[:n] = paths.labels[start:start + n]
        return outs[:n], labels[:n]
    outs[0] = centres[e]
    outs[1:] = negatives[e]
    return outs, labels


@kernel(inline=True)
def _label_buffers(size):
    """An example's output rows and labels, for up to ``size`` rows: labelled as
    negative sampling's (1 for the centre, then 0s), which a path overwrites."""
    labels = np.zeros(size, np.float32)
    labels[0] = 1.0
    return np.empty(size, np.int32), labels


# Two functions, not one with the objective as an argument: they are called, not inlined,
# and negative sampling's examples need not carry the paths (PV-DBOW's small examples
# trained at x0.94 of the commit before paths with one function, x1.00 with these and
# the output set uncut, bench/against_commit.py)
@kernel
def _prefetch_example(inputs, outputs, centres, bag_ptr, row_ptr, rows, negatives, e,
                      n_examples):
    """Start loading the rows example ``e`` will touch (nothing if past the end)."""
    if e >= n_examples:
        return
    _prefetch_negatives(outputs, centres, negatives, e)
    _prefetch_inputs(inputs, bag_ptr, row_ptr, rows, e)


@kernel
def _prefetch_path_example(inputs, outputs, centres, bag_ptr, row_ptr, rows, paths, e,
                           n_examples):
    """:func:`_prefetch_example` for a hierarchical softmax's example."""
    if e >= n_examples:
        return
    _prefetch_path(outputs, paths, centres[e])
    _prefetch_inputs(inputs, bag_ptr, row_ptr, rows, e)


@kernel(inline=True)
def _prefetch_inputs(inputs, bag_ptr, row_ptr, rows, e):
    for p in range(row_ptr[bag_ptr[e]], row_ptr[bag_ptr[e + 1]]):
        prefetch_row(inputs, rows[p])


@kernel(inline=True)
def dot(x, y):
    """Dot product of two float32 rows (vectorised: row views, not 2-D indexing)."""
    s = np.float32(0.0)
    for t in range(x.shape[0]):
        s += x[t] * y[t]
    return s


@kernel(inline=True)
def axpy(y, x, a):
    """``y += a * x`` on float32 rows (vectorised, with LLVM's runtime alias check)."""
    for t in range(y.shape[0]):
        y[t] += a * x[t]


@kernel(inline=True)
def add_rows(y, matrix, rows, coef, stride, n):
    """``y += sum_i coef[i * stride] * matrix[rows[i]]`` for ``i < n``.

    Four source rows per pass over ``y``: one load and store of ``y`` serve four
    multiply-adds, which is what bounds these small updates (L1 traffic, not arithmetic).
    """
    i = 0
    while i + 4 <= n:
        x0, x1, x2, x3 = matrix[rows[i]], matrix[rows[i + 1]], matrix[rows[i + 2]], \
            matrix[rows[i + 3]]
        a0, a1, a2, a3 = coef[i * stride], coef[(i + 1) * stride], coef[(i + 2) * stride], \
            coef[(i + 3) * stride]
        for t in range(y.shape[0]):
            y[t] += a0 * x0[t] + a1 * x1[t] + a2 * x2[t] + a3 * x3[t]
        i += 4
    while i < n:
        axpy(y, matrix[rows[i]], coef[i * stride])
        i += 1


@kernel(inline=True)
def dot_rows(x, matrix, rows, out, n):
    """``out[i] = x . matrix[rows[i]]`` for ``i < n``, four rows per pass over ``x``."""
    i = 0
    while i + 4 <= n:
        y0, y1, y2, y3 = matrix[rows[i]], matrix[rows[i + 1]], matrix[rows[i + 2]], \
            matrix[rows[i + 3]]
        s0 = s1 = s2 = s3 = np.float32(0.0)
        for t in range(x.shape[0]):
            s0 += x[t] * y0[t]
            s1 += x[t] * y1[t]
            s2 += x[t] * y2[t]
            s3 += x[t] * y3[t]
        out[i], out[i + 1], out[i + 2], out[i + 3] = s0, s1, s2, s3
        i += 4
    while i < n:
        out[i] = dot(x, matrix[rows[i]])
        i += 1


@kernel(inline=True)
def sigmoid(x):
    """The logistic function in float32 (``exp`` overflows harmlessly to 0 or 1)."""
    return np.float32(1.0) / (np.float32(1.0) + np.float32(math.exp(-x)))


#: What every example of a job is, for :func:`negative_sampling_kernel`'s specialisations:
#: every bag one row (skip-gram, per pair or shared, and PV-DBOW), every example one bag
#: (CBOW), or anything (subwords).
ROW_BAGS, ONE_BAG, ANY_BAGS = 0, 1, 2


def bag_shape(n_examples: int, n_bags: int, n_rows: int) -> int:
    """The specialisation (:data:`ROW_BAGS`, :data:`ONE_BAG` or :data:`ANY_BAGS`) that
    fits a job of ``n_examples`` examples, ``n_bags`` bags and ``n_rows`` input rows."""
    if n_rows == n_bags:
        return ROW_BAGS
    return ONE_BAG if n_bags == n_examples else ANY_BAGS


def _specialise(train_outputs: bool, shape: int, hierarchical: bool, mean: bool):
    # ``train_outputs``, ``shape``, ``hierarchical`` and ``mean`` are constants of each
    # compiled kernel: LLVM drops the paths they rule out, which are a few percent of a
    # one-row-bag job's time otherwise
    if hierarchical:
        @kernel
        def hierarchical_softmax(inputs, outputs, examples, paths, lr, out_rate, frozen,
                                 scratch):
            return _bag_examples(inputs, outputs, examples, paths, lr, out_rate, frozen,
                                 train_outputs, shape, True, scratch, mean)

        return hierarchical_softmax

    @kernel
    def negative_sampling(inputs, outputs, examples, lr, out_rate, frozen, scratch):
        return _bag_examples(inputs, outputs, examples, _no_paths(), lr, out_rate, frozen,
                             train_outputs, shape, False, scratch, mean)

    return negative_sampling


@kernel(inline=True)
def _no_paths():
    """The paths argument of a negative-sampling kernel, which reads none."""
    return OutputPaths(np.zeros(1, np.int64), np.zeros(0, np.int32),
                       np.zeros(0, np.float32))


_KERNELS = {(train, shape, tree, mean): _specialise(train, shape, tree, mean)
            for train in (True, False) for shape in (ROW_BAGS, ONE_BAG, ANY_BAGS)
            for tree in (False, True) for mean in (True, False)}


def negative_sampling_kernel(shape: int = ANY_BAGS, train_outputs: bool = True,
                             mean: bool = True):
    """The compiled negative-sampling step for jobs of ``shape`` (:func:`bag_shape`);
    every one computes what the ``ANY_BAGS`` kernel does on the jobs it fits.

    ``kernel(inputs, outputs, examples, lr, out_rate, frozen, scratch)`` applies one step per
    example of negative sampling over input bags (see :mod:`wordspace.engine.layout`), the
    only kernel of every negative-sampling model. An example's ``m`` bags have inputs ``H``
    (m x d, each the mean of its bag's rows; a one-row bag is the row itself) and meet the
    ``K+1`` output rows ``U`` (its centre, then its negatives) in one small product
    ``S = U H^T``. With ``G = lr * (labels - sigmoid(S))`` the step is ``U += out_rate G H`` and,
    for every row of bag ``j``, ``+= (G^T U)_j``, both from the old values: with
    ``out_rate`` 1, the exact gradient step on the example's loss for one-row bags; a larger
    bag's rows each take its input's whole step, as word2vec.c's CBOW and fastText do (the
    exact step of a mean would be ``1/n`` of it). A negative equal to the centre is skipped,
    as word2vec.c does. Skip-gram's shared negatives (Ji et al. 2016), its per-pair update
    (one bag), CBOW (one bag of the window) and PV-DBOW (the document's row as one more bag)
    are all this kernel over different layouts. ``train_outputs=False`` gives the read-only
    twin for inference: the input rows step, ``outputs`` are only read (and so may be a
    read-only array), and so are the input rows below ``frozen`` (PV-DM's word rows,
    beside the new document's row in its bags; the training kernels ignore ``frozen``).
    ``mean=False`` makes a bag's input the *sum* of its rows instead of their mean
    (gensim's ``cbow_mean=0``): every row's step is then the exact gradient of the loss of
    the summed input.

    ``examples`` is an :data:`~wordspace.kernels.sampling.ExampleArrays` and ``scratch``
    a :data:`NegativeSamplingScratch` for examples of up to ``b`` bags: ``grad``
    (K+1 x b), ``d_in`` and ``hidden`` (b x d), ``index`` (b). Returns
    ``(loss, pairs)``: the loss summed (in float64, so it never saturates) over the bags
    of every ``LOSS_EVERY``-th example, and how many bags that is. The ratio is an
    unbiased running estimate of the mean loss per bag, without paying two logarithms
    per term on every example.
    """
    return _KERNELS[bool(train_outputs), shape, False, bool(mean)]


def hierarchical_softmax_kernel(shape: int = ANY_BAGS, train_outputs: bool = True,
                                mean: bool = True):
    """The compiled hierarchical-softmax step for jobs of ``shape`` (:func:`bag_shape`).

    ``kernel(inputs, outputs, examples, paths, lr, out_rate, frozen, scratch)`` is
    :func:`negative_sampling_kernel`'s step with each example's output set the inner nodes
    on the path to its centre word's leaf (``paths``, an :data:`OutputPaths`), labelled
    with the branches taken, instead of the centre and its negatives (which it does not
    read): word2vec.c's ``-hs 1`` over the same layouts. ``outputs`` holds a row per inner
    node, and the scratch's ``grad`` a row per node of the longest path; ``mean`` as
    there.
    """
    return _KERNELS[bool(train_outputs), shape, True, bool(mean)]


@kernel(inline=True)
def _bag_examples(inputs, outputs, examples, paths, lr, out_rate, frozen, train_outputs,
                  shape, hierarchical, scratch, mean):
    # ``train_outputs``, ``shape`` and ``hierarchical`` are constants in each caller:
    # Numba prunes the other branch of ``train_outputs``, so the read-only twin never
    # types a write to ``outputs``, and the training kernels never compare a row with
    # ``frozen``
    centres, bag_ptr, row_ptr, rows = (examples.centres, examples.bag_ptr,
                                       examples.row_ptr, examples.rows)
    negatives, n_examples = examples.negatives, examples.n_examples
    grad, d_in, hidden, index = scratch.grad, scratch.d_in, scratch.hidden, scratch.index
    outs, labels = _label_buffers(grad.shape[0])
    for j in range(grad.shape[1]):
        index[j] = j
    loss = 0.0
    loss_pairs = 0
    for e in range(n_examples):
        b0 = bag_ptr[e]
        m = bag_ptr[e + 1] - b0
        r0 = row_ptr[b0]
        out_set, out_labels = _output_set(outs, labels, centres, negatives, paths,
                                          hierarchical, e)
        track = e % LOSS_EVERY == 0
        if track:
            loss_pairs += m
        if hierarchical:
            _prefetch_path_example(inputs, outputs, centres, bag_ptr, row_ptr, rows, paths,
                                   e + 1, n_examples)
        else:
            _prefetch_example(inputs, outputs, centres, bag_ptr, row_ptr, rows, negatives,
                              e + 1, n_examples)
        if shape == ROW_BAGS or shape == ANY_BAGS and row_ptr[b0 + m] - r0 == m:
            # one row per bag: the rows are the inputs
            window = rows[r0:r0 + m]
            if m == 1:  # one pass per output row
                loss += _one_bag_step(inputs[window[0]], outputs, out_set, out_labels,
                                      hierarchical, lr, out_rate, train_outputs, track,
                                      d_in[0])
            else:
                loss += _output_step(inputs, window, outputs, out_set, out_labels,
                                     hierarchical, lr, out_rate, train_outputs, track, grad,
                                     d_in)
            for j in range(m):  # ... then the rows move
                if train_outputs or window[j] >= frozen:
                    axpy(inputs[window[j]], d_in[j], np.float32(1.0))
            continue
        # the mean of each bag, from the old rows
        if shape == ONE_BAG or m == 1:  # one bag (CBOW's window, a subword bag): one pass
            # per output row
            loss += _one_bag_step(_bag_mean(hidden[0], inputs, rows, r0, row_ptr[b0 + 1],
                                            mean),
                                  outputs, out_set, out_labels, hierarchical, lr, out_rate,
                                  train_outputs, track, d_in[0])
        else:
            for j in range(m):
                _bag_mean(hidden[j], inputs, rows, row_ptr[b0 + j], row_ptr[b0 + j + 1], mean)
            loss += _output_step(hidden, index[:m], outputs, out_set, out_labels,
                                 hierarchical, lr, out_rate, train_outputs, track, grad, d_in)
        # ... then every row of every bag moves.
        for j in range(m):
            for p in range(row_ptr[b0 + j], row_ptr[b0 + j + 1]):
                if train_outputs or rows[p] >= frozen:
                    axpy(inputs[rows[p]], d_in[j], np.float32(1.0))
    return loss, loss_pairs


@kernel(inline=True)
def _bag_mean(h, inputs, rows, start, stop, mean=True):
    """``h`` = the mean of the input rows ``rows[start:stop]`` (the bag's input), summed
    then scaled as fastText does (``mean`` False: the sum, unscaled); returns ``h``. Four
    rows per pass over ``h``, as :func:`add_rows` (a subword bag has about twenty)."""
    h[:] = 0.0
    p = start
    while p + 4 <= stop:
        x0, x1, x2, x3 = inputs[rows[p]], inputs[rows[p + 1]], inputs[rows[p + 2]], \
            inputs[rows[p + 3]]
        for t in range(h.shape[0]):
            h[t] += (x0[t] + x1[t]) + (x2[t] + x3[t])
        p += 4
    while p < stop:
        axpy(h, inputs[rows[p]], np.float32(1.0))
        p += 1
    if not mean:
        return h
    scale = np.float32(1.0) / np.float32(stop - start)
    for t in range(h.shape[0]):
        h[t] *= scale
    return h


@kernel(inline=True)
def _label(labels, hierarchical, k):
    """Output row ``k``'s label: a path's, or negative sampling's 1 for the centre (row 0)
    and 0 for its negatives, known from ``k`` (``hierarchical`` is a constant, so the
    negative-sampling kernels compile exactly what they did before there were paths)."""
    if hierarchical:
        return labels[k]
    return np.float32(1.0) if k == 0 else np.float32(0.0)


@kernel(inline=True)
def _output_step(source, window, outputs, outs, labels, hierarchical, lr, out_rate,
                 train_outputs, track, grad, d_in):
    """An example's step on its output rows ``outs``, with inputs
    ``H = source[window]`` (m x d): ``S = U H^T``, ``E = labels - sigmoid(S)``,
    ``d_in = lr E^T U`` (the inputs' step, left in ``d_in`` for the caller) and
    ``U += out_rate lr E H``, both from the old values. Returns the loss if ``track``, else
    0."""
    k1 = outs.shape[0]
    m = window.shape[0]
    block = grad.shape[1]
    flat_grad = grad.reshape(-1)  # grad[k, j] == flat_grad[k * block + j]
    loss = 0.0
    for k in range(k1):
        g = grad[k]
        dot_rows(outputs[outs[k]], source, window, g, m)
        if k > 0 and outs[k] == outs[0]:  # a negative drawn equal to the centre
            g[:m] = 0.0
            continue
        label = _label(labels, hierarchical, k)
        for j in range(m):
            s = g[j]
            if track:
                loss -= _log_sigmoid(s if label > 0 else -s)
            g[j] = (label - sigmoid(s)) * lr
    # the inputs' step from the old U: d_in[j] = sum_k grad[k, j] U_k ...
    for j in range(m):
        step = d_in[j]
        step[:] = 0.0
        add_rows(step, outputs, outs, flat_grad[j:], block, k1)
    # ... and U's from the old H (the caller writes no input row before this)
    if train_outputs:
        if out_rate != 1:
            grad[:, :m] *= out_rate
        for k in range(k1):
            add_rows(outputs[outs[k]], source, window, flat_grad[k * block:], 1, m)
    return loss


@kernel(inline=True)
def _one_bag_step(h, outputs, outs, labels, hierarchical, lr, out_rate, train_outputs, track,
                  step):
    """:func:`_output_step` for one bag, fused as word2vec.c's CBOW does: each output row
    is read once for its score, the input's step and its own step (a repeated negative
    then steps from the value its first draw left, as in word2vec.c)."""
    step[:] = 0.0
    loss = 0.0
    for k in range(outs.shape[0]):
        if k > 0 and outs[k] == outs[0]:
            continue
        out_row = outputs[outs[k]]
        s = dot(out_row, h)
        label = _label(labels, hierarchical, k)
        if track:
            loss -= _log_sigmoid(s if label > 0 else -s)
        e = label - sigmoid(s)
        axpy(step, out_row, e * lr)
        if train_outputs:
            axpy(out_row, h, e * (lr * out_rate))
    return loss


# -- each kept word's bag averaged once ---------------------------------------------------
def _specialise_tokens(train_outputs: bool, hierarchical: bool):
    if hierarchical:
        @kernel
        def hierarchical_token_bags(inputs, outputs, examples, bags, paths, lr, out_rate,
                                    scratch):
            return _token_bags(inputs, outputs, examples, bags, paths, lr, out_rate,
                               train_outputs, True, scratch)

        return hierarchical_token_bags

    @kernel
    def token_bags(inputs, outputs, examples, bags, lr, out_rate, scratch):
        return _token_bags(inputs, outputs, examples, bags, _no_paths(), lr, out_rate,
                           train_outputs, False, scratch)

    return token_bags


_TOKEN_KERNELS = {(train, tree): _specialise_tokens(train, tree)
                  for train in (True, False) for tree in (False, True)}


def token_bags_kernel(train_outputs: bool = True, hierarchical: bool = False):
    """The compiled negative-sampling step over *cached* word bags (subwords), or with
    ``hierarchical`` the hierarchical softmax's, which takes the :data:`OutputPaths` after
    ``bags`` (see :func:`hierarchical_softmax_kernel`).

    ``kernel(inputs, outputs, examples, bags, lr, out_rate, scratch)`` trains what the
    ``ANY_BAGS`` kernel trains when each context word is its bag of rows, but an example's
    bags are one row each, ``t``, the position of a kept word ``bags.tokens[t]`` in the job
    (a :data:`TokenBags`; the sampler's ``token_slots``). A kept word's bag is averaged
    once, when a window first reaches it, into a cache of ``len(scratch.cached)`` slots (at
    least ``2 * window + 1``); every window it is a context of steps the cached mean (as a
    one-row bag), and the sum of those steps goes to each of its rows once, when a later
    word takes its slot or the job ends. The arithmetic per example is the one-row-bag
    kernel's; the bag's rows are read and written once per kept word instead of once per
    window it is in, about ``window`` times fewer. What differs from stepping the rows at
    once: a window sees its contexts' rows as they were when each word entered the cache, a
    staleness of at most one window (two occurrences of a word or n-gram within it do not
    see each other's steps), like the lag between lock-free threads.
    Returns ``(loss, pairs)`` as :func:`negative_sampling_kernel`.
    """
    return _TOKEN_KERNELS[bool(train_outputs), bool(hierarchical)]


@kernel(inline=True)
def _flush_token(inputs, bags, cache, start, cached, slot):
    """Step every row of the bag cached in ``slot`` by the cached mean's change, and free
    the slot."""
    t = cached[slot]
    if t < 0:
        return
    change = start[slot]
    for i in range(change.shape[0]):
        change[i] = cache[slot, i] - change[i]
    w = bags.tokens[t]
    for p in range(bags.ptr[w], bags.ptr[w + 1]):
        axpy(inputs[bags.rows[p]], change, np.float32(1.0))
    cached[slot] = -1


@kernel(inline=True)
def _prefetch_tokens(inputs, outputs, examples, bags, paths, hierarchical, cached, e):
    """Start loading what example ``e`` will touch: its output rows, and the rows of
    each of its words' bags not in the cache yet (nothing if past the end)."""
    if e >= examples.n_examples:
        return
    _prefetch_outputs(outputs, examples.centres, examples.negatives, paths, hierarchical, e)
    for b in range(examples.bag_ptr[e], examples.bag_ptr[e + 1]):
        t = examples.rows[b]
        if cached[t % cached.shape[0]] != t:
            w = bags.tokens[t]
            for p in range(bags.ptr[w], bags.ptr[w + 1]):
                prefetch_row(inputs, bags.rows[p])


@kernel(inline=True)
def _token_bags(inputs, outputs, examples, bags, paths, lr, out_rate, train_outputs,
                hierarchical, scratch):
    centres, bag_ptr, rows = examples.centres, examples.bag_ptr, examples.rows
    negatives, n_examples = examples.negatives, examples.n_examples
    grad, d_in, index = scratch.grad, scratch.d_in, scratch.index
    cache, start, cached = scratch.cache, scratch.start, scratch.cached
    span = cached.shape[0]
    outs, labels = _label_buffers(grad.shape[0])
    loss = 0.0
    loss_pairs = 0
    for e in range(n_examples):
        b0 = bag_ptr[e]
        m = bag_ptr[e + 1] - b0  # one-row bags: bag b is the row rows[b]
        out_set, out_labels = _output_set(outs, labels, centres, negatives, paths,
                                          hierarchical, e)
        track = e % LOSS_EVERY == 0
        if track:
            loss_pairs += m
        _prefetch_tokens(inputs, outputs, examples, bags, paths, hierarchical, cached, e + 1)
        for j in range(m):
            t = rows[b0 + j]
            slot = t % span
            if cached[slot] != t:  # first use: the word's bag enters the cache
                _flush_token(inputs, bags, cache, start, cached, slot)
                w = bags.tokens[t]
                _bag_mean(cache[slot], inputs, bags.rows, bags.ptr[w], bags.ptr[w + 1])
                start[slot, :] = cache[slot]
                cached[slot] = t
            index[j] = slot
        if m == 1:
            loss += _one_bag_step(cache[index[0]], outputs, out_set, out_labels, hierarchical,
                                  lr, out_rate, train_outputs, track, d_in[0])
        else:
            loss += _output_step(cache, index[:m], outputs, out_set, out_labels, hierarchical,
                                 lr, out_rate, train_outputs, track, grad, d_in)
        for j in range(m):
            axpy(cache[index[j]], d_in[j], np.float32(1.0))
    for slot in range(span):
        _flush_token(inputs, bags, cache, start, cached, slot)
    return loss, loss_pairs
