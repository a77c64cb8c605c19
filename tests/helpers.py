"""Helpers the tests share (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import numpy as np


def numeric_gradient(f, params, eps: float = 1e-6) -> list[np.ndarray]:
    """Central finite differences of the scalar ``f()`` with respect to each array in
    ``params``, perturbed in place (and restored)."""
    grads = []
    for p in params:
        g = np.zeros_like(p, dtype=np.float64)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


N_TOPICS = 4


def topic_document(rng, topic: int, length: int = 40) -> list[str]:
    """Words of one topic (``t{topic}w{j}``) mixed with words every topic uses."""
    own = [f"t{topic}w{j}" for j in range(8)]
    common = [f"c{j}" for j in range(6)]
    return [rng.choice(own) if rng.random() < 0.6 else rng.choice(common)
            for _ in range(length)]


def planted_documents(n_per_topic: int = 40, seed: int = 0):
    """(id, tokens) pairs whose words come from one planted topic each, and the topics."""
    rng = np.random.default_rng(seed)
    topics = np.arange(N_TOPICS).repeat(n_per_topic)
    rng.shuffle(topics)
    return [(f"doc{i}", topic_document(rng, t)) for i, t in enumerate(topics)], topics


def write_sentences(path, sentences):
    """Write token lists as a text corpus, one sentence per line; return ``path``."""
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    return path


def same_parameters(a, b) -> bool:
    """Whether two models of one class hold equal values in every saved matrix."""
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in a._arrays)


def simulated_cuda():
    """``numba.cuda`` for the CUDA tests: Numba-CUDA's simulator, selected in conftest.py
    before numba is first imported (a GPU where NUMBA_ENABLE_CUDASIM=0); skips only when
    numba-cuda is not installed, and fails loudly when neither is available, so these
    tests never skip silently."""
    import pytest

    cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is not installed")
    if not cuda.is_available():
        raise RuntimeError("numba.cuda has neither the simulator nor a GPU: "
                           "NUMBA_ENABLE_CUDASIM must be set before numba is first imported "
                           "(tests/conftest.py)")
    return cuda
