"""Building a Huffman tree over word counts (word2vec.c's ``CreateBinaryTree``), compiled:
a vocabulary of millions of words takes milliseconds, not the seconds of a Python loop.
"""

from __future__ import annotations

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
