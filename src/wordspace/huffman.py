"""The Huffman tree of a hierarchical softmax (Morin & Bengio 2005; Mikolov et al. 2013).

A hierarchical softmax scores a word by the path from the root of a binary tree to its
leaf: at each inner node ``n`` on the way the input ``h`` goes left with probability
``sigma(u_n . h)``, so ``p(w | h)`` is the product of the branches' probabilities along
``w``'s path, a normalised distribution over the vocabulary for ``log2(V)`` dot products
instead of ``V``. word2vec.c, fastText and gensim build the tree by Huffman coding over
the word counts, so frequent words have short paths; so does :class:`HuffmanTree`, and its
inner nodes are rows ``0 .. V - 2`` of the output matrix (``syn1``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wordspace.kernels.huffman import huffman_paths
from wordspace.kernels.sgns import OutputPaths

__all__ = ["HuffmanTree"]


@dataclass(frozen=True, eq=False)
class HuffmanTree:
    """Each word's path through the Huffman tree over the vocabulary's counts.

    Word ``w``'s path is the inner nodes ``nodes[ptr[w]:ptr[w + 1]]`` (output rows), root
    first, and ``codes`` the branch taken at each (word2vec.c's ``point`` and ``code``).
    """

    ptr: np.ndarray
    nodes: np.ndarray
    codes: np.ndarray

    @classmethod
    def build(cls, counts) -> HuffmanTree:
        """The tree over ``counts`` (one per word, at least two words): a function of the
        counts alone, ties broken by word index, so a resumed run rebuilds the tree its
        checkpoint was trained with."""
        counts = np.asarray(counts, dtype=np.int64)
        if counts.ndim != 1 or len(counts) < 2:
            raise ValueError("a hierarchical softmax needs a vocabulary of at least two "
                             f"words, got {counts.size}")
        order = np.argsort(-counts, kind="stable")
        ptr, nodes, codes = huffman_paths(counts, order)
        return cls(ptr, nodes, codes)

    def __len__(self) -> int:
        """Words (leaves)."""
        return len(self.ptr) - 1

    def path(self, word: int) -> tuple[np.ndarray, np.ndarray]:
        """Word ``word``'s inner nodes, root first, and the branch taken at each."""
        span = slice(self.ptr[word], self.ptr[word + 1])
        return self.nodes[span], self.codes[span]

    @property
    def depths(self) -> np.ndarray:
        """Each word's path length (its code's length)."""
        return np.diff(self.ptr)

    @property
    def longest(self) -> int:
        """The longest path: the rows one example's output set may need."""
        return int(self.depths.max())

    def mean_depth(self, counts) -> float:
        """The path length averaged over the corpus's words (weighted by ``counts``):
        the dot products per pair."""
        counts = np.asarray(counts, dtype=np.float64)
        return float(self.depths @ counts / counts.sum())

    def paths(self) -> OutputPaths:
        """The paths as the kernels take them: each node's label is ``1 - code``, what
        ``sigma(u_n . h)`` is trained towards (word2vec.c's ``1 - code - f``)."""
        return OutputPaths(self.ptr, self.nodes, (1 - self.codes).astype(np.float32))

    def log_probabilities(self, scores: np.ndarray) -> np.ndarray:
        """``log p(w | h)`` of every word, given ``scores[n] = u_n . h`` of every inner
        node: the sum along each path of ``log sigma(+-score)``."""
        scores = np.asarray(scores, dtype=np.float64)[self.nodes]
        sign = 1.0 - 2.0 * self.codes  # code 0: sigma(s), code 1: sigma(-s)
        terms = -np.logaddexp(0.0, -sign * scores)
        return np.add.reduceat(terms, self.ptr[:-1])

