"""Skip-gram negative-sampling updates.

For a centre word ``w`` with context words ``c`` and negatives ``n``, the loss is

    L = -sum_c [ log sigma(u_w . v_c) + sum_n log sigma(-u_n . v_c) ]

with ``v`` = input vectors (``syn0``, the word vectors users get) and ``u`` = output
vectors (``syn1``). As in word2vec.c, the context word is the input and the centre word
the output. Each kernel applies one step ``theta -= lr * dL/dtheta`` and returns the loss
(float64, so a running sum never saturates).
"""

from __future__ import annotations

import math

import numpy as np

from wordspace.kernels._jit import kernel


@kernel
def _log_sigmoid(x):
    # log sigma(x) = -log(1 + exp(-x)), evaluated without overflow for either sign
    if x >= 0:
        return -math.log1p(math.exp(-x))
    return x - math.log1p(math.exp(x))


@kernel
def shared_negative_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, n_examples,
                           lr, grad, d_in, d_out):
    """Minibatched update with one set of negatives per centre word (Ji et al. 2016).

    The window's ``m`` context rows ``V`` (m x d) meet the ``K+1`` output rows ``U``
    (centre, then negatives) in one small product ``S = U V^T``; with
    ``G = lr * (labels - sigma(S))`` the step is ``V += G^T U`` and ``U += G V``, both
    from the old values: an exact gradient step on the window's loss. A negative equal
    to the centre word is skipped, as word2vec.c does.

    ``grad`` (K+1 x max contexts), ``d_in`` (max contexts x d) and ``d_out`` (K+1 x d)
    are scratch buffers.
    """
    dim = syn0.shape[1]
    k1 = negatives.shape[1] + 1
    loss = 0.0
    for e in range(n_examples):
        a = ctx_ptr[e]
        m = ctx_ptr[e + 1] - a
        w = centres[e]
        for k in range(k1):
            o = w if k == 0 else negatives[e, k - 1]
            if k > 0 and o == w:
                for j in range(m):
                    grad[k, j] = 0.0
                continue
            label = np.float32(1.0) if k == 0 else np.float32(0.0)
            for j in range(m):
                c = contexts[a + j]
                s = np.float32(0.0)
                for t in range(dim):
                    s += syn1[o, t] * syn0[c, t]
                sig = np.float32(1.0) / (np.float32(1.0) + np.float32(math.exp(-s)))
                grad[k, j] = (label - sig) * lr
                loss -= _log_sigmoid(s if k == 0 else -s)
        for j in range(m):
            for t in range(dim):
                d_in[j, t] = 0.0
        for k in range(k1):
            o = w if k == 0 else negatives[e, k - 1]
            for t in range(dim):
                d_out[k, t] = 0.0
            for j in range(m):
                g = grad[k, j]
                c = contexts[a + j]
                for t in range(dim):
                    d_in[j, t] += g * syn1[o, t]
                    d_out[k, t] += g * syn0[c, t]
        for j in range(m):
            c = contexts[a + j]
            for t in range(dim):
                syn0[c, t] += d_in[j, t]
        for k in range(k1):
            o = w if k == 0 else negatives[e, k - 1]
            for t in range(dim):
                syn1[o, t] += d_out[k, t]
    return loss


@kernel
def per_pair_update(syn0, syn1, centres, ctx_ptr, contexts, negatives, n_examples,
                    lr, grad, d_in, d_out):
    """word2vec.c's classic update: every (centre, context) pair with its own negatives.

    Output rows are updated as each target is visited; the input row gets the summed
    step at the end of the pair. ``negatives`` has a row per context; ``d_in`` row 0 is
    scratch, ``grad`` and ``d_out`` are unused (kept for one kernel signature).
    """
    dim = syn0.shape[1]
    k1 = negatives.shape[1] + 1
    loss = 0.0
    for e in range(n_examples):
        w = centres[e]
        for p in range(ctx_ptr[e], ctx_ptr[e + 1]):
            c = contexts[p]
            for t in range(dim):
                d_in[0, t] = 0.0
            for k in range(k1):
                o = w if k == 0 else negatives[p, k - 1]
                if k > 0 and o == w:
                    continue
                s = np.float32(0.0)
                for t in range(dim):
                    s += syn1[o, t] * syn0[c, t]
                label = np.float32(1.0) if k == 0 else np.float32(0.0)
                sig = np.float32(1.0) / (np.float32(1.0) + np.float32(math.exp(-s)))
                g = (label - sig) * lr
                loss -= _log_sigmoid(s if k == 0 else -s)
                for t in range(dim):
                    d_in[0, t] += g * syn1[o, t]
                    syn1[o, t] += g * syn0[c, t]
            for t in range(dim):
                syn0[c, t] += d_in[0, t]
    return loss
