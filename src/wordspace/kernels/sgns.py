"""Skip-gram negative-sampling updates.

For a centre word ``w`` with context words ``c`` and negatives ``n``, the loss is

    L = -sum_c [ log sigma(u_w . v_c) + sum_n log sigma(-u_n . v_c) ]

with ``v`` = input vectors (``syn0``, the word vectors users get) and ``u`` = output
vectors (``syn1``). As in word2vec.c, the context word is the input and the centre word
the output. Each kernel applies one step ``theta -= lr * dL/dtheta`` and returns
``(loss, pairs)``: the loss summed (in float64, so it never saturates) over the pairs
of every ``LOSS_EVERY``-th example, and how many pairs that is. The ratio is an
unbiased running estimate of the mean loss per pair, without paying two logarithms
per term on every example.
"""

from __future__ import annotations

import math

import numpy as np

from wordspace.kernels._jit import kernel, prefetch_row

LOSS_EVERY = 8


@kernel
def _log_sigmoid(x):
    # log sigma(x) = -log(1 + exp(-x)), evaluated without overflow for either sign
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


@kernel
def _prefetch_example(syn0, syn1, centres, ctx_ptr, contexts, negatives, e, n_examples,
                      per_context, neg_row):
    """Start loading the rows example ``e`` will touch (nothing if past the end): its
    negatives are row ``neg_row`` (or, ``per_context``, one row per context)."""
    if e >= n_examples:
        return
    prefetch_row(syn1, centres[e])
    for p in range(ctx_ptr[e], ctx_ptr[e + 1]):
        prefetch_row(syn0, contexts[p])
        if per_context:
            for k in range(negatives.shape[1]):
                prefetch_row(syn1, negatives[p, k])
    if not per_context:
        for k in range(negatives.shape[1]):
            prefetch_row(syn1, negatives[neg_row, k])


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


#: The most contexts of one window :func:`shared_negative_update` sums into one step
#: (a block): twice the default window (5) plus a document's row, so the default
#: skip-gram and PV-DBOW windows are always one block, one step, as before. Smaller
#: blocks train long windows better but slower (window 200 on 2 M words of text8,
#: WS353: 0.39 at 1, 0.35 at 4, 0.30-0.37 at 11, 0.24-0.30 at 16; per pair 0.37).
SHARED_BLOCK = 11


@kernel
def shared_negative_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, n_examples,
                           lr, grad, d_in):
    """Minibatched update with one set of negatives per centre word (Ji et al. 2016).

    A block of ``m`` context rows ``V`` (m x d) of the window meets the ``K+1`` output
    rows ``U`` (centre, then negatives) in one small product ``S = U V^T``; with
    ``G = lr * (labels - sigmoid(S))`` the step is ``V += G^T U`` and ``U += G V``, both
    from the old values: an exact gradient step on the block's loss. A negative equal
    to the centre word is skipped, as word2vec.c does.

    A window of more than ``b = grad.shape[1]`` contexts is taken ``b`` at a time, each
    block a step from the values the previous block left, against negatives of its own:
    the ``ceil(m / b)`` rows of ``negatives`` that follow the previous window's
    (:func:`~wordspace.kernels.sampling.sample_job` with ``neg_block=b``; a window of at
    most ``b`` contexts, every window at the default ``window=5``, is one block and one
    row, as in Ji et al.). In one step, a window of 400 contexts (``window=200``) moved
    the centre's and the negatives' rows 400 pair-steps at once along one direction:
    they overshot and diverged to norms in the thousands without ever producing a NaN.
    In blocks, an output row corrects course every ``b`` pairs (word2vec.c's per-pair
    update does after every pair), and a long window meets ``K`` fresh negatives per
    block rather than pushing the same ``K`` rows away 400 times.

    ``grad`` (K+1 x b) and ``d_in`` (b x d) are scratch buffers; :data:`SHARED_BLOCK`
    is the ``b`` the training driver allocates and samples with.
    """
    k1 = negatives.shape[1] + 1
    outs = np.empty(k1, np.int32)
    block = grad.shape[1]
    flat_grad = grad.reshape(-1)  # grad[k, j] == flat_grad[k * block + j]
    loss = 0.0
    loss_pairs = 0
    row = 0  # the next row of negatives: one per block
    for e in range(n_examples):
        outs[0] = centres[e]
        track = e % LOSS_EVERY == 0
        if track:
            loss_pairs += ctx_ptr[e + 1] - ctx_ptr[e]
        _prefetch_example(syn0, syn1, centres, ctx_ptr, contexts, negatives, e + 1, n_examples,
                          False, row + (ctx_ptr[e + 1] - ctx_ptr[e] + block - 1) // block)
        for a in range(ctx_ptr[e], ctx_ptr[e + 1], block):
            m = min(block, ctx_ptr[e + 1] - a)
            window = contexts[a:a + m]
            outs[1:] = negatives[row]
            row += 1
            # S = U V^T, then G = lr * (labels - sigmoid(S)), row k of grad for output k
            for k in range(k1):
                g = grad[k]
                dot_rows(syn1[outs[k]], syn0, window, g, m)
                if k > 0 and outs[k] == outs[0]:
                    g[:m] = 0.0
                    continue
                label = np.float32(1.0) if k == 0 else np.float32(0.0)
                for j in range(m):
                    s = g[j]
                    if track:
                        loss -= _log_sigmoid(s if k == 0 else -s)
                    g[j] = (label - sigmoid(s)) * lr
            # V's step from the old U: d_in[j] = sum_k grad[k, j] U_k ...
            for j in range(m):
                step = d_in[j]
                step[:] = 0.0
                add_rows(step, syn1, outs, flat_grad[j:], block, k1)
            # ... U's step from the old V (V is not written yet) ...
            for k in range(k1):
                add_rows(syn1[outs[k]], syn0, window, flat_grad[k * block:], 1, m)
            # ... then V moves.
            for j in range(m):
                axpy(syn0[window[j]], d_in[j], np.float32(1.0))
    return loss, loss_pairs


@kernel
def per_pair_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, n_examples,
                    lr, grad, d_in):
    """word2vec.c's classic update: every (centre, context) pair with its own negatives.

    Output rows are updated as each target is visited; the input row gets the summed
    step at the end of the pair. ``negatives`` has a row per context; ``d_in`` row 0 is
    scratch and ``grad`` is unused (one signature for both kernels).
    """
    k1 = negatives.shape[1] + 1
    loss = 0.0
    loss_pairs = 0
    step = d_in[0]
    for e in range(n_examples):
        w = centres[e]
        track = e % LOSS_EVERY == 0
        if track:
            loss_pairs += ctx_ptr[e + 1] - ctx_ptr[e]
        _prefetch_example(syn0, syn1, centres, ctx_ptr, contexts, negatives, e + 1, n_examples,
                          True, 0)
        for p in range(ctx_ptr[e], ctx_ptr[e + 1]):
            in_row = syn0[contexts[p]]
            step[:] = 0.0
            for k in range(k1):
                o = w if k == 0 else negatives[p, k - 1]
                if k > 0 and o == w:
                    continue
                out_row = syn1[o]
                s = dot(out_row, in_row)
                label = np.float32(1.0) if k == 0 else np.float32(0.0)
                g = (label - sigmoid(s)) * lr
                if track:
                    loss -= _log_sigmoid(s if k == 0 else -s)
                axpy(step, out_row, g)
                axpy(out_row, in_row, g)
            axpy(in_row, step, np.float32(1.0))
    return loss, loss_pairs


@kernel
def cbow_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, n_examples,
                lr, grad, d_in):
    """CBOW with negative sampling, as word2vec.c computes it.

    The mean ``h`` of the window's input rows predicts the centre word against
    ``negative`` noise words: ``L = -log s(u_w . h) - sum_n log s(-u_n . h)``. Output
    rows take the exact gradient step; the error ``e = -lr dL/dh`` is then added to every
    context row whole, as word2vec.c does (the exact step would add ``e / m``).
    ``d_in`` rows 0 and 1 hold ``h`` and ``e``; ``grad`` is unused.
    """
    k1 = negatives.shape[1] + 1
    loss = 0.0
    loss_pairs = 0
    hidden = d_in[0]
    error = d_in[1]
    for e in range(n_examples):
        a = ctx_ptr[e]
        m = ctx_ptr[e + 1] - a
        w = centres[e]
        _prefetch_example(syn0, syn1, centres, ctx_ptr, contexts, negatives, e + 1, n_examples,
                          False, e + 1)
        hidden[:] = 0.0
        for j in range(m):
            axpy(hidden, syn0[contexts[a + j]], np.float32(1.0) / np.float32(m))
        error[:] = 0.0
        track = e % LOSS_EVERY == 0
        if track:
            loss_pairs += 1
        for k in range(k1):
            o = w if k == 0 else negatives[e, k - 1]
            if k > 0 and o == w:
                continue
            out_row = syn1[o]
            s = dot(out_row, hidden)
            label = np.float32(1.0) if k == 0 else np.float32(0.0)
            g = (label - sigmoid(s)) * lr
            if track:
                loss -= _log_sigmoid(s if k == 0 else -s)
            axpy(error, out_row, g)
            axpy(out_row, hidden, g)
        for j in range(m):
            axpy(syn0[contexts[a + j]], error, np.float32(1.0))
    return loss, loss_pairs


@kernel
def input_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, n_examples, lr,
                 grad, d_in):
    """:func:`shared_negative_update`'s step on the input rows alone, ``syn1`` only read
    (so it may be a read-only array): ``V += G^T U`` with
    ``G = lr * (labels - sigmoid(U V^T))``. ``d_in`` row 0 is scratch.
    """
    k1 = negatives.shape[1] + 1
    outs = np.empty(k1, np.int32)
    coef = np.empty(k1, np.float32)
    step = d_in[0]
    loss = 0.0
    loss_pairs = 0
    for e in range(n_examples):
        outs[0] = centres[e]
        outs[1:] = negatives[e]
        track = e % LOSS_EVERY == 0
        for p in range(ctx_ptr[e], ctx_ptr[e + 1]):
            row = syn0[contexts[p]]
            dot_rows(row, syn1, outs, coef, k1)
            for k in range(k1):
                s = coef[k]
                if k > 0 and outs[k] == outs[0]:
                    coef[k] = 0.0
                    continue
                if track:
                    loss -= _log_sigmoid(s if k == 0 else -s)
                label = np.float32(1.0) if k == 0 else np.float32(0.0)
                coef[k] = (label - sigmoid(s)) * lr
            if track:
                loss_pairs += 1
            step[:] = 0.0
            add_rows(step, syn1, outs, coef, 1, k1)
            axpy(row, step, np.float32(1.0))
    return loss, loss_pairs
