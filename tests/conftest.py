"""Shared fixtures: an isolated cache home and small generated corpora.

The CUDA tests run on Numba-CUDA's simulator where there is no GPU: Numba reads
``NUMBA_ENABLE_CUDASIM`` once, when it is first imported, and the first test module
imports it (through wordspace), so it is set here, before any (set it to 0 on a machine
with a GPU to run them there).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
# the suite tests the tree it is in, whichever checkout the environment's editable
# install points at (several clones sharing one virtual environment), subprocesses too
_SRC = str(Path(__file__).resolve().parent.parent / "src")
sys.path.insert(0, _SRC)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [_SRC, os.environ.get("PYTHONPATH")]))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from helpers import write_sentences  # noqa: E402

# CI replays the same fuzz examples on every run (``HYPOTHESIS_PROFILE=ci``, set by
# .ci/run), so that a red CI always means a change broke something, never that the fuzzer
# happened on a new input that day; a developer's ``make test`` explores new ones.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _yielding_simulator() -> None:
    """Make the CUDA simulator's block scheduler yield the GIL as it polls its threads.

    The simulator runs each CUDA thread as a Python thread, and its scheduler spins on
    ``is_alive`` over them until they finish, holding the GIL the threads need; a pause
    of zero seconds in each poll halves the CUDA tests' time (the two planted-topics
    device tests: 49.7 s before, 23.4 s after, measured back to back on 2026-12-07). The
    kernels, and what they compute, are unchanged. Skipped on a GPU, and where the
    simulator has no such scheduler."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        return
    try:
        from numba.cuda.simulator.kernel import BlockThread
    except ImportError:
        return
    alive = getattr(BlockThread, "is_alive", None)
    if alive is None or getattr(alive, "_yields", False):
        return

    def is_alive(thread) -> bool:
        time.sleep(0)  # lets the simulated threads run
        return alive(thread)

    is_alive._yields = True
    BlockThread.is_alive = is_alive


_yielding_simulator()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own WORDSPACE_HOME so caches never leak between tests."""
    monkeypatch.setenv("WORDSPACE_HOME", str(tmp_path_factory.mktemp("home")))


def planted_sentences(n_groups: int = 4, group_size: int = 6, n_sentences: int = 1500,
                      length: int = 12, seed: int = 0) -> tuple[list[list[str]], list[list[str]]]:
    """Sentences whose words come from one group each: co-occurrence is planted.

    Returns (sentences, groups); word ``g{i}w{j}`` belongs to group ``i``.
    """
    rng = np.random.default_rng(seed)
    groups = [[f"g{i}w{j}" for j in range(group_size)] for i in range(n_groups)]
    sentences = [list(rng.choice(groups[rng.integers(n_groups)], size=length))
                 for _ in range(n_sentences)]
    return sentences, groups


@pytest.fixture
def toy_datasets(monkeypatch):
    """``toy_datasets(name, ...)``: let a test's small mirror files stand in for these
    registered datasets, whose files the registry otherwise pins (by the shared
    mirror's sha256 and the datasets' item counts, tested in test_datasets.py)."""
    import dataclasses

    from wordspace import datasets

    def unpin(*names: str) -> None:
        for name in names:
            toy = dataclasses.replace(datasets.info(name), mirror_sha256=None, min_items=1)
            monkeypatch.setitem(datasets.REGISTRY, name, toy)

    return unpin


@pytest.fixture
def planted():
    return planted_sentences()


@pytest.fixture
def text_file(tmp_path):
    """A small plain-text corpus, one sentence per line."""
    sentences, _ = planted_sentences(n_sentences=300)
    return write_sentences(tmp_path / "corpus.txt", sentences)
