"""The hierarchical softmax's Huffman tree, compiled: building it over word counts
(word2vec.c's ``CreateBinaryTree``; a vocabulary of millions of words takes milliseconds,
not the seconds of a Python loop), and scoring sentences along its paths.
"""

from __future__ import annotations

import math

import numpy as np

from wordspace.kernels._jit import kernel


@kernel
def huffman_paths(counts, order):
    """Every word's path from the root of the Huffman tree over ``counts`` (``n >= 2``).

    ``order`` lists the words by descending count (ties in a fixed order, so the tree is
    a function of the counts alone). Two queues merge the two lightest subtrees at each
    step in O(n), as word2vec.c does: the leaves, read from the lightest, and the inner
    nodes, which are made in increasing weight; on a tie the inner node is taken. The
    ``n - 1`` inner nodes are numbered ``0 .. n - 2`` in the order they are made, the root
    last. Returns ``(ptr, nodes, codes)``: word ``w``'s path is the inner nodes
    ``nodes[ptr[w]:ptr[w + 1]]``, root first, and ``codes`` the branch taken at each (1
    towards the heavier of the two subtrees the node merged, 0 towards the lighter).
    """
    n = counts.shape[0]
    # nodes 0 .. n - 1 are the leaves by rank in ``order``, n + a the a-th inner node
    weight = np.empty(2 * n - 1, np.int64)
    for rank in range(n):
        weight[rank] = counts[order[rank]]
    parent = np.zeros(2 * n - 1, np.int64)
    code = np.zeros(2 * n - 1, np.int8)
    leaf, inner = n - 1, n  # the lightest leaf and inner node not merged yet
    for a in range(n - 1):
        merged = 0
        for branch in range(2):
            if leaf >= 0 and (inner >= n + a or weight[leaf] < weight[inner]):
                node = leaf
                leaf -= 1
            else:
                node = inner
                inner += 1
            parent[node] = n + a
            code[node] = branch
            merged += weight[node]
        weight[n + a] = merged
    root = 2 * n - 2
    depth = np.zeros(2 * n - 1, np.int64)  # root first, so a parent's depth is known
    for node in range(root - 1, -1, -1):
        depth[node] = depth[parent[node]] + 1
    ptr = np.zeros(n + 1, np.int64)
    for rank in range(n):
        ptr[order[rank] + 1] = depth[rank]
    for w in range(n):
        ptr[w + 1] += ptr[w]
    nodes = np.empty(ptr[n], np.int32)
    codes = np.empty(ptr[n], np.int8)
    for rank in range(n):
        w = order[rank]
        node = rank
        for i in range(ptr[w + 1] - 1, ptr[w] - 1, -1):  # leaf to root, written backwards
            nodes[i] = parent[node] - n
            codes[i] = code[node]
            node = parent[node]
    return ptr, nodes, codes


@kernel
def score_sentences(rows, words, offsets, inputs, outputs, ptr, nodes, codes, window,
                    cbow, mean, out):
    """``out[s]`` = the log probability of sentence ``s`` under a hierarchical softmax
    (gensim's ``Word2Vec.score``), in float64: the sum over its words ``w`` of ``log p(w |
    h)`` along ``w``'s path (``ptr``, ``nodes``, ``codes`` over ``outputs``), for ``h``
    each context word's input row (skip-gram) or, with ``cbow``, their mean (their sum
    unless ``mean``; a word alone in its sentence has none and adds nothing). Every word
    within ``window`` is a context: no subsampling, no shrunk windows. Token ``i`` is the input row
    ``inputs[rows[i]]`` and the leaf ``words[i]``; sentence ``s`` is tokens
    ``offsets[s]:offsets[s + 1]``."""
    dim = inputs.shape[1]
    h = np.empty(dim, np.float64)
    for s in range(offsets.shape[0] - 1):
        start, stop = offsets[s], offsets[s + 1]
        total = 0.0
        for i in range(start, stop):
            lo, hi = max(start, i - window), min(stop, i + window + 1)
            if cbow:
                if hi - lo < 2:
                    continue
                h[:] = 0.0
                for j in range(lo, hi):
                    if j != i:
                        h += inputs[rows[j]]
                if mean:
                    h /= hi - lo - 1
                total += _path_log_probability(h, outputs, ptr, nodes, codes, words[i])
                continue
            for j in range(lo, hi):
                if j != i:
                    h[:] = inputs[rows[j]]
                    total += _path_log_probability(h, outputs, ptr, nodes, codes, words[i])
        out[s] = total


@kernel(inline=True)
def _path_log_probability(h, outputs, ptr, nodes, codes, word):
    """``log p(word | h)``: the sum of ``log sigma(+-u_n . h)`` along ``word``'s path."""
    total = 0.0
    for p in range(ptr[word], ptr[word + 1]):
        row = outputs[nodes[p]]
        score = 0.0
        for t in range(h.shape[0]):
            score += row[t] * h[t]
        x = -score if codes[p] else score  # code 1: the other branch, sigma(-score)
        total += -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))
    return total
