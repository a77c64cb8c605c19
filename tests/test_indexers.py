"""Approximate neighbours through an indexer (gensim's ``most_similar(indexer=...)``):
any object with gensim's ``most_similar(vector, num_neighbors)`` is asked instead of
the matrix, the query words still left out; :class:`AnnoyIndexer` finds nearly the
exact neighbours, saves atomically and loads back what it saved."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import PVDBOW, Corpus, Documents, SkipGram, Vectors
from wordspace.indexers import AnnoyIndexer

N, DIM = 3000, 24


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(60, DIM))
    rows = centres[rng.integers(0, 60, N)] + 0.3 * rng.normal(size=(N, DIM))
    return Vectors([f"w{i}" for i in range(N)], rows.astype(np.float32))


class ExactIndexer:
    """gensim's protocol by brute force, recording what it was asked."""

    def __init__(self, vectors):
        self.vectors, self.asked = vectors, []

    def most_similar(self, vector, num_neighbors):
        self.asked.append((np.array(vector), num_neighbors))
        scores = self.vectors.unit @ vector
        best = np.argsort(-scores, kind="stable")[:num_neighbors]
        return [(self.vectors.words[i], float(scores[i])) for i in best]


def test_an_indexer_is_asked_with_the_query_s_unit_mean_and_its_words_left_out(vectors):
    exact = ExactIndexer(vectors)
    for query in (dict(positive=["w1"]), dict(positive=["w1", "w7"], negative=["w9"])):
        want = vectors.most_similar(**query, topn=5)
        got = vectors.most_similar(**query, topn=5, indexer=exact)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
        vector, asked = exact.asked[-1]
        assert asked == 5 + len(query.get("positive", [])) + len(query.get("negative", []))
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    assert vectors.similar_by_key("w3", topn=4, indexer=exact) == \
        vectors.most_similar("w3", topn=4, indexer=exact)
    by_vector = vectors.similar_by_vector(vectors["w3"] * 7, topn=4, indexer=exact)
    assert [w for w, _ in by_vector] == [w for w, _ in vectors.nearest(vectors["w3"], 4)]


def test_what_an_indexer_cannot_answer_is_refused(vectors):
    exact = ExactIndexer(vectors)
    for options in (dict(topn=None), dict(restrict_vocab=100), dict(clip_end=50)):
        with pytest.raises(ValueError, match="search the matrix itself"):
            vectors.most_similar("w1", indexer=exact, **options)
    small = Vectors(vectors.words[:100], vectors.matrix[:100])
    with pytest.raises(ValueError, match="built over 100 vectors of dimension 24, and these "
                                         "are 3,000"):
        vectors.most_similar("w1", indexer=AnnoyIndexer(small, num_trees=2, workers=1))
    with pytest.raises(RuntimeError, match="indexes nothing yet"):
        vectors.most_similar("w1", indexer=AnnoyIndexer())


def test_annoy_finds_nearly_the_exact_neighbours(vectors):
    index = AnnoyIndexer(vectors, num_trees=20, seed=3, workers=1)
    recall = []
    for word in vectors.words[:200:10]:
        exact = {w for w, _ in vectors.most_similar(word, topn=10)}
        approx = vectors.most_similar(word, topn=10, indexer=index)
        assert word not in {w for w, _ in approx} and len(approx) == 10
        recall.append(len(exact & {w for w, _ in approx}) / 10)
        for w, score in approx:  # Annoy's distance read back as the cosine
            assert score == pytest.approx(vectors.similarity(word, w), abs=1e-4)
    assert np.mean(recall) > 0.9, recall
    again = AnnoyIndexer(vectors, num_trees=20, seed=3, workers=1)
    assert again.most_similar(vectors["w5"], 10) == index.most_similar(vectors["w5"], 10)
    few = AnnoyIndexer(vectors, num_trees=1, seed=3, workers=1, search_k=10)
    wide = AnnoyIndexer(vectors, num_trees=1, seed=3, workers=1, search_k=N)  # every leaf
    exact = [w for w, _ in vectors.most_similar("w5", topn=10)]
    assert [w for w, _ in vectors.most_similar("w5", topn=10, indexer=wide)] == exact
    assert [w for w, _ in vectors.most_similar("w5", topn=10, indexer=few)] != exact


def test_the_default_search_looks_further_than_annoy_s_own(vectors, tmp_path):
    """Annoy's default (trees x neighbours) misses many neighbours of a small forest;
    wordspace's default looks at 300 nodes per neighbour (``search_k=-1`` keeps
    Annoy's)."""
    def recall(index):
        found = []
        for word in vectors.words[:200:10]:
            exact = {w for w, _ in vectors.most_similar(word, topn=10)}
            found.append(len(exact & {w for w, _ in vectors.most_similar(
                word, topn=10, indexer=index)}) / 10)
        return np.mean(found)

    default = AnnoyIndexer(vectors, num_trees=2, seed=3, workers=1)
    annoy_s = AnnoyIndexer(vectors, num_trees=2, seed=3, workers=1, search_k=-1)
    assert default.search_k is None
    assert recall(default) > 0.95 and recall(annoy_s) < 0.8
    default.save(tmp_path / "default")  # left out of the settings (older wordspaces
    assert "search_k" not in (tmp_path / "default" / "annoy-index.json").read_text()
    assert AnnoyIndexer.load(tmp_path / "default").search_k is None  # refuse a null)
    with pytest.raises(ValueError, match="search_k"):
        AnnoyIndexer(vectors, num_trees=2, search_k=0)


def test_a_model_s_words_or_documents_are_indexed():
    sentences = [[f"a{i % 7}", f"b{i % 5}", f"c{i % 3}"] for i in range(300)]
    model = SkipGram(dim=8, epochs=1, sample=0, workers=1, progress=False).fit(
        Corpus(sentences, min_count=1, progress=False))
    assert AnnoyIndexer(model, num_trees=2).labels == model.wv.words
    docs = PVDBOW(dim=8, epochs=1, sample=0, workers=1, progress=False).fit(
        Documents([(i, " ".join(s)) for i, s in enumerate(sentences[:30])], min_count=1))
    index = AnnoyIndexer(docs, num_trees=4, workers=1)
    assert index.labels == list(range(30))  # document ids, as they were given
    answers = docs.dv.most_similar(3, topn=3, indexer=index)
    assert len(answers) == 3 and 3 not in {d for d, _ in answers}


def test_save_and_load(vectors, tmp_path):
    index = AnnoyIndexer(vectors, num_trees=2, workers=1, search_k=N)
    index.save(tmp_path / "idx")
    loaded = AnnoyIndexer.load(tmp_path / "idx")
    assert (loaded.search_k, loaded.num_trees) == (N, 2)  # its recall with it
    for word in ("w1", "w200"):
        assert vectors.most_similar(word, indexer=loaded) == \
            vectors.most_similar(word, indexer=index)
    index.save(tmp_path / "idx")  # an index saved before is replaced
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="notes"):
        index.save(tmp_path / "notes")
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep"
    (tmp_path / "idx" / "extra.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="extra.txt"):
        index.save(tmp_path / "idx")
    (tmp_path / "idx" / "extra.txt").unlink()
    (tmp_path / "idx" / "keys.json").write_text('["w0"]')
    with pytest.raises(ValueError, match="keys.json: expected 3000 keys"):
        AnnoyIndexer.load(tmp_path / "idx")
    with pytest.raises(FileNotFoundError, match="not a saved AnnoyIndexer"):
        AnnoyIndexer.load(tmp_path / "notes")
