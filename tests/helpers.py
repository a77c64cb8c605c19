"""Helpers the tests share (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

import os

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


def document_job(layout, tokens, n_words: int = 6, dim: int = 4, negative: int = 2):
    """One document's job (its row the input row ``n_words``, after the words') walked
    with window 2 in ``layout``, and random matrices for it: ``(inputs, outputs,
    examples)``."""
    from wordspace.engine import Job, Sampler
    from wordspace.sampling import noise_tables

    rng = np.random.default_rng(0)
    inputs = rng.normal(scale=0.5, size=(n_words + 1, dim)).astype(np.float32)
    outputs = rng.normal(scale=0.5, size=(n_words, dim)).astype(np.float32)
    tokens = np.asarray(tokens, np.int32)
    n = len(tokens)
    sampler = Sampler(tokens, np.array([0, n]), np.ones(n_words, np.float32),
                      noise_tables(np.arange(n_words + 3, 3, -1), 0.75), window=2,
                      negative=negative, layout=layout,
                      sentence_context=np.array([n_words], np.int32))
    examples = sampler.sample(Job(0, 1, n), np.array([5], np.uint64),
                              sampler.examples(n, n * 5))
    return inputs, outputs, examples


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


def neighbour_purity(model, topics, k=5) -> float:
    """Share of each document's ``k`` nearest documents that are of its planted topic
    (ids ``doc{i}``, as :func:`planted_documents` names them)."""
    same = [topics[int(other[3:])] == topics[i]
            for i, doc_id in enumerate(model.dv.ids)
            for other, _ in model.dv.most_similar(doc_id, topn=k)]
    return float(np.mean(same))


def write_documents(path, docs):
    """Write ``(id, tokens)`` pairs as JSON lines ({"id", "text"}); return ``path``."""
    import json

    path.write_text("".join(json.dumps({"id": i, "text": " ".join(t)}) + "\n"
                            for i, t in docs))
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


def count_head_reads(monkeypatch) -> list[str]:
    """The names of the files whose head (:func:`wordspace._io.text_head`) is read from
    now on, one entry a read, in the list returned."""
    import wordspace._io as io_module
    import wordspace.corpus as corpus_module

    text_head, read = io_module.text_head, []

    def counted(path, *a, **kw):
        read.append(os.path.basename(path))
        return text_head(path, *a, **kw)

    monkeypatch.setattr(io_module, "text_head", counted)
    monkeypatch.setattr(corpus_module, "text_head", counted)
    return read


def short_sentences(lengths=(5, 9, 40), n_words: int = 8, seed: int = 0) -> list[list[str]]:
    """Sentences of random words ``w0 .. w{n_words - 1}``, of the given lengths."""
    rng = np.random.default_rng(seed)
    return [[f"w{int(w)}" for w in rng.integers(0, n_words, n)] for n in lengths]


def check_a_new_setting_in_checkpoints(make, corpus, path, name: str, other) -> None:
    """A parameter added after checkpoints existed: ``make()`` (3 epochs, at its
    default), stopped once its first epoch's checkpoint is at ``path``, records no
    ``name`` in the checkpoint's config (so checkpoints made before there was one still
    resume); ``make(name=other)`` is refused; ``make()`` resumes."""
    import json

    import pytest

    from wordspace.engine.callbacks import Callback
    from wordspace.engine.checkpoint import CheckpointMismatch

    class Stop(Callback):
        def on_epoch_end(self, model, report):
            if len(report.epoch_words) == 2:
                raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        make().fit(corpus, checkpoint=path, callbacks=[Stop()])
    assert name not in json.loads((path / "checkpoint.json").read_text())["config"]
    with pytest.raises(CheckpointMismatch, match=name):
        make(**{name: other}).fit(corpus, checkpoint=path)
    make().fit(corpus, checkpoint=path)


def nothing_cached(home) -> bool:
    """Whether the cache home ``home`` holds nothing that reading a corpus (or fetching a
    dataset) leaves: it is not there, or holds only ``locks``, where train takes its
    output's lock before any reading."""
    return not home.exists() or {p.name for p in home.iterdir()} <= {"locks"}
