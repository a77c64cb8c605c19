"""Approximate nearest neighbours for queries on large vocabularies (gensim's indexers).

Every query of :class:`~wordspace.vectors.Vectors` is exact, by brute force over the
whole matrix: a few milliseconds for 100,000 words, tens for millions. An *indexer*
trades a little recall for speed: ``v.most_similar("king", indexer=index)`` asks it
instead of the matrix. Any object with gensim's method ``most_similar(vector,
num_neighbors) -> [(key, cosine), ...]`` is one, so gensim users' own indexers work;
:class:`AnnoyIndexer` is gensim's ``AnnoyIndexer`` over Spotify's Annoy
(``pip install wordspace[annoy]``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from wordspace._io import atomic_directory, check_replaceable, missing_mark
from wordspace._json import parse_json
from wordspace._validate import check_int, takes_fname

logger = logging.getLogger(__name__)

_MARK = "annoy-index.json"  # what makes a directory an index wordspace saved
_FORMAT = 1
_NODES_PER_NEIGHBOUR = 300  # search_k per neighbour asked: ~99 % recall@10 at 10 trees


def _annoy():
    try:
        import annoy
    except ImportError:
        raise ImportError("AnnoyIndexer needs the annoy package: pip install "
                          "'wordspace[annoy]' (or pip install annoy)") from None
    return annoy


def _vectors_of(model):
    """The vectors a query searches: ``model`` itself, a document model's ``dv`` (as
    gensim's indexers take a ``Doc2Vec``), or a word model's ``wv``."""
    if hasattr(model, "key_to_index") and hasattr(model, "matrix"):
        return model
    if getattr(model, "dv", None) is not None:
        return model.dv
    return model.wv


def _is_index_directory(path: Path) -> bool:
    return (path / _MARK).is_file()


class AnnoyIndexer:
    """An Annoy forest over unit vectors: approximate cosine neighbours (gensim's).

    Parameters
    ----------
    model : Vectors or a trained model, optional
        What to index: word vectors, document vectors, or a model (its ``wv``; a
        document model's ``dv``). None: an empty indexer, for :meth:`load`.
    num_trees : int
        Annoy's trees: more answer closer to the exact neighbours, and take longer to
        build and more memory (gensim's ``num_trees``; Annoy's advice: as many as you
        can afford).
    seed : int
        Annoy's seed: with ``workers=1`` the same vectors give the same index.
    workers : int or None
        Threads building the trees (None: every core; the trees then depend on the
        threads' timing).
    search_k : int or None
        Tree nodes a query inspects: more is slower and closer to exact. None (the
        default): ``max(num_trees, 300)`` times the neighbours asked for, which found
        99.2 % of the exact ten neighbours on a million vectors in 0.99 ms a query
        (docs/benchmarks.md); -1: Annoy's own default, ``num_trees`` times the neighbours
        (gensim's, fast but loose: 43 % there).

    ``v.most_similar(word, indexer=index)`` then answers from the index; the index
    answers for the vectors it was built over, so build it again after adding words.
    """

    def __init__(self, model=None, num_trees: int = 10, seed: int = 1,
                 workers: int | None = None, search_k: int | None = None):
        check_int("num_trees", num_trees, 1)
        check_int("seed", seed, 0)
        if workers is not None:
            check_int("workers", workers, 1)
        if search_k not in (None, -1):
            check_int("search_k", search_k, 1)
        self.num_trees, self.seed, self.workers = num_trees, seed, workers
        self.search_k = search_k
        self.index, self.labels = None, []
        if model is not None:
            self._build(_vectors_of(model))

    def _build(self, vectors) -> None:
        annoy = _annoy()
        unit = vectors.unit  # Annoy's angular distance normalises too; zero rows stay zero
        index = annoy.AnnoyIndex(vectors.dim, "angular")
        index.set_seed(self.seed)
        for i in range(len(unit)):  # a row at a time: a whole-matrix list is ~30x its size
            index.add_item(i, unit[i].tolist())
        index.build(self.num_trees, n_jobs=-1 if self.workers is None else self.workers)
        self.index, self.labels = index, list(vectors.words)
        logger.info("AnnoyIndexer: %d vectors of dimension %d in %d trees", len(self.labels),
                    vectors.dim, self.num_trees)

    @property
    def dim(self) -> int:
        """The dimension of the vectors indexed."""
        self._check_built()
        return self.index.f

    def __len__(self) -> int:
        return len(self.labels)

    def _check_built(self) -> None:
        if self.index is None:
            raise RuntimeError("this AnnoyIndexer indexes nothing yet: give it vectors "
                               "(AnnoyIndexer(model)) or load one (AnnoyIndexer.load)")

    def most_similar(self, vector, num_neighbors: int) -> list[tuple[str | int, float]]:
        """The ``num_neighbors`` approximate nearest keys to ``vector`` with their cosines
        (gensim's protocol), nearest first."""
        self._check_built()
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (self.dim,):
            raise ValueError(f"expected a vector of dimension {self.dim}, got one of shape "
                             f"{vector.shape}")
        num_neighbors = int(num_neighbors)
        search_k = self.search_k if self.search_k is not None \
            else max(self.num_trees, _NODES_PER_NEIGHBOUR) * num_neighbors
        ids, distances = self.index.get_nns_by_vector(vector.tolist(), num_neighbors, search_k,
                                                      include_distances=True)
        # Annoy's angular distance is that of the unit vectors: sqrt(2 - 2 cos)
        return [(self.labels[i], 1.0 - d * d / 2.0) for i, d in zip(ids, distances,
                                                                    strict=True)]

    # -- persistence ----------------------------------------------------------------------
    @takes_fname
    def save(self, path: str | Path) -> None:
        """Write the index to directory ``path`` atomically: Annoy's file (memory-mapped
        back by :meth:`load`), the keys and the settings. Only a new path, an empty
        directory or an index saved before are replaced; anything else is refused
        (``FileExistsError``) before writing."""
        self._check_built()
        check_replaceable(path, "a wordspace Annoy index", _is_index_directory,
                          missing_mark(path, _MARK, "no " + _MARK),
                          "choose a new path for the index, or move that one away yourself",
                          holds=lambda e: e.name in (_MARK, "index.ann", "keys.json"))
        with atomic_directory(path) as tmp:
            # Annoy then maps the file it wrote, which the rename below keeps
            self.index.save(str(tmp / "index.ann"))
            (tmp / "keys.json").write_text(json.dumps(self.labels))
            settings = {"format": _FORMAT, "dim": self.dim, "items": len(self.labels),
                        "num_trees": self.num_trees, "seed": self.seed}
            if self.search_k is not None:  # the default is left out: wordspaces before
                settings["search_k"] = self.search_k  # 2026-12-07 refuse a null
            (tmp / _MARK).write_text(json.dumps(settings) + "\n")

    @classmethod
    @takes_fname
    def load(cls, path: str | Path) -> AnnoyIndexer:
        """Read a directory :meth:`save` wrote (Annoy's file is memory-mapped, so loading
        is instant and processes share its pages). A damaged one is refused naming the
        file."""
        annoy = _annoy()
        path = Path(path)
        if not _is_index_directory(path):
            raise FileNotFoundError(f"{path} is not a saved AnnoyIndexer (no {_MARK})")
        try:
            meta = parse_json((path / _MARK).read_bytes())
            keys = parse_json((path / "keys.json").read_bytes())
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ValueError(f"{path}: not a readable index ({e})") from None
        if not isinstance(meta, dict) or not isinstance(meta.get("format"), int):
            raise ValueError(f"{path / _MARK}: not an index's settings")
        if meta["format"] > _FORMAT:
            raise ValueError(f"{path} was written by a newer wordspace (format "
                             f"{meta['format']}); upgrade wordspace to read it")
        if not isinstance(keys, list) or len(keys) != meta.get("items"):
            raise ValueError(f"{path / 'keys.json'}: expected {meta.get('items')} keys")
        try:
            indexer = cls(num_trees=meta.get("num_trees", 1), seed=meta.get("seed", 1),
                          search_k=meta.get("search_k"))
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path / _MARK}: invalid settings ({e})") from None
        index = annoy.AnnoyIndex(meta["dim"], "angular")
        try:
            index.load(str(path / "index.ann"))
        except OSError as e:
            raise ValueError(f"{path / 'index.ann'}: not a readable Annoy index ({e})") from None
        if index.get_n_items() != len(keys):
            raise ValueError(f"{path / 'index.ann'}: holds {index.get_n_items()} vectors for "
                             f"{len(keys)} keys; the directory is damaged")
        indexer.index, indexer.labels = index, keys
        return indexer
