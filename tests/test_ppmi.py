"""Count-based vectors: co-occurrence counts, PPMI, randomised SVD, the estimator."""

from __future__ import annotations

import numpy as np
import pytest

from wordspace import PPMISVD, Corpus, load_model
from wordspace.cli import main
from wordspace.kernels.cooccurrence import count_pairs
from wordspace.models.ppmi import randomized_svd


def pairs_of(tokens, window, weighting, keep=None):
    tokens = np.asarray(tokens, np.int32)
    n = len(tokens)
    size = n * 2 * window
    rows, cols = np.empty(size, np.int32), np.empty(size, np.int32)
    weights = np.empty(size, np.float32)
    keep = np.ones(tokens.max() + 1, np.float32) if keep is None else keep
    m = count_pairs(tokens, np.array([0, n]), 0, 1, window, weighting, keep,
                    np.array([3], np.uint64), np.empty(n, np.int32), rows, cols, weights)
    return {(int(r), int(c), float(w)) for r, c, w in zip(rows[:m], cols[:m], weights[:m],
                                                            strict=True)}, m


def test_pairs_within_the_window_both_ways():
    pairs, m = pairs_of([0, 1, 2, 3], window=2, weighting=0)
    assert m == 10  # 5 neighbour pairs at distance <= 2, each both ways
    assert (0, 2, 1.0) in pairs and (2, 0, 1.0) in pairs and (0, 3, 1.0) not in pairs
    weighted, _ = pairs_of([0, 1, 2, 3], window=2, weighting=1)
    assert (0, 1, 1.0) in weighted and (0, 2, 0.5) in weighted  # (window - d + 1) / window


def test_ppmi_follows_the_formula():
    from scipy import sparse

    counts = np.array([[0, 4, 1], [4, 0, 2], [1, 2, 6]], dtype=float)
    model = PPMISVD(cds=0.75, neg=2.0)
    given = sparse.csr_matrix(counts, dtype=np.float32)
    made = model.ppmi(given)
    got = made.toarray()
    ctx = counts.sum(0) ** 0.75
    with np.errstate(divide="ignore"):
        pmi = np.log(counts * ctx.sum() / (counts.sum(1)[:, None] * ctx[None, :])) - np.log(2)
    # computed in float64, kept in float32 (what the SVD reads): float32's rounding alone
    assert made.dtype == np.float32
    np.testing.assert_allclose(got, np.maximum(pmi, 0), rtol=2**-24)
    assert (got >= 0).all() and (got[counts == 0] == 0).all()
    np.testing.assert_array_equal(given.toarray(), counts)  # the counts given are kept


def test_randomized_svd_finds_the_top_singular_triplets():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(60, 8)) @ np.diag([50, 30, 20, 10, 5, 2, 1, 0.5]) @ \
        rng.normal(size=(8, 40)) + rng.normal(size=(60, 40)) * 0.01
    u, s, vt = randomized_svd(a, 4, n_iter=4, seed=1)
    exact = np.linalg.svd(a, compute_uv=False)[:4]
    np.testing.assert_allclose(s, exact, rtol=1e-6)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-10)
    np.testing.assert_allclose((u * s) @ vt, np.linalg.svd(a)[0][:, :4] * exact
                               @ np.linalg.svd(a)[2][:4], atol=1e-6)


def test_randomized_svd_normalises_by_lu_and_takes_one_qr(monkeypatch):
    """scikit-learn's scheme: LU between the power iterations' products, one QR at the
    end; on a sparse matrix (as fit gives it) the top singular values are the exact
    SVD's, and a seed gives the same factors every time."""
    from scipy import sparse

    rng = np.random.default_rng(2)
    dense = rng.normal(size=(90, 6)) @ np.diag([40, 25, 12, 6, 3, 1.5]) @ \
        rng.normal(size=(6, 70)) + rng.normal(size=(90, 70)) * 0.01
    a = sparse.csr_matrix(np.where(np.abs(dense) > 1, dense, 0.0))  # sparse, as PPMI is
    qr, shapes = np.linalg.qr, []
    monkeypatch.setattr(np.linalg, "qr", lambda x, *args, **kw: shapes.append(x.shape)
                        or qr(x, *args, **kw))
    u, s, vt = randomized_svd(a, 5, n_iter=4, seed=3)
    assert shapes == [(90, 15)]  # the last block's, not one per half-iteration
    np.testing.assert_allclose(s, np.linalg.svd(a.toarray(), compute_uv=False)[:5],
                               rtol=1e-6)
    np.testing.assert_allclose(u.T @ u, np.eye(5), atol=1e-10)
    np.testing.assert_allclose(vt @ vt.T, np.eye(5), atol=1e-10)
    again = randomized_svd(a, 5, n_iter=4, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip((u, s, vt), again, strict=True))


def test_planted_groups_are_recovered(planted):
    sentences, groups = planted
    model = PPMISVD(dim=8, window=3, sample=0, progress=False).fit(Corpus(sentences,
                                                                         min_count=1))
    group_of = {w: i for i, g in enumerate(groups) for w in g}
    hits = [group_of[n] == group_of[w]
            for w in group_of for n, _ in model.vectors.most_similar(w, topn=4)]
    assert np.mean(hits) > 0.95
    assert model.report_.positive_cells <= model.report_.cells


def test_eig_and_contexts_shape_the_vectors(planted):
    corpus = Corpus(planted[0], min_count=1)
    plain = PPMISVD(dim=6, eig=0.0, add_contexts=False, sample=0, progress=False).fit(corpus)
    # eig 0: U alone, orthonormal columns
    np.testing.assert_allclose(plain.word_vectors_.T @ plain.word_vectors_, np.eye(6),
                               atol=1e-4)
    both = PPMISVD(dim=6, eig=1.0, sample=0, progress=False).fit(corpus)
    np.testing.assert_allclose(both.vectors.matrix,
                               both.word_vectors_ + both.context_vectors_, rtol=1e-6)


def test_save_load_and_cli(tmp_path, text_file, planted):
    model = PPMISVD(dim=6, sample=0, progress=False).fit(Corpus(planted[0], min_count=1))
    model.save(tmp_path / "p")
    back = load_model(tmp_path / "p")
    assert isinstance(back, PPMISVD)
    np.testing.assert_array_equal(back.vectors.matrix, model.vectors.matrix)
    out = tmp_path / "cli"
    assert main(["train", str(text_file), "-o", str(out), "--model", "ppmi-svd", "--dim", "5",
                 "--min-count", "1", "--quiet"]) == 0
    assert load_model(out).vectors.dim == 5


@pytest.mark.parametrize("param,value,message", [
    ("cds", 0.0, "cds must be > 0.0"), ("eig", 2.0, "eig must be >= 0.0 and <= 1.0"),
    ("weighting", "gauss", "weighting must be one of"), ("neg", 0, "neg must be > 0.0"),
    ("neg", float("inf"), "neg must be a finite number"),
    ("window", 10**7, "window must be an integer between 1 and 10000")])
def test_invalid_parameters(param, value, message):
    with pytest.raises(ValueError, match=message):
        PPMISVD(**{param: value}).fit(object())  # refused before reading


def test_counting_in_small_jobs_counts_the_same(planted, monkeypatch):
    import wordspace.models.ppmi as ppmi

    corpus = Corpus(planted[0], min_count=1)
    model = PPMISVD(dim=4, window=3, sample=1e-2, seed=2**64 + 3, progress=False)
    whole = model.cooccurrence(corpus)
    monkeypatch.setattr(ppmi, "COUNT_PAIRS", 16)  # jobs of a sentence or two
    pieces = model.cooccurrence(corpus)
    assert model._pairs > 0
    # the same pairs drawn (one random stream in job order), summed in another order
    np.testing.assert_allclose(pieces.toarray(), whole.toarray(), rtol=1e-5)


def test_a_corpus_without_pairs_is_refused_not_factored():
    from wordspace.train import TooLittleTraining

    with pytest.raises(TooLittleTraining, match="0 .centre, context. pairs were counted .*"
                                                "sample=0 keeps every word"):
        PPMISVD(dim=4, progress=False).fit([["alpha", "beta", "gamma"]] * 6)


def test_a_ppmi_matrix_without_a_positive_cell_is_refused_not_factored(
        tmp_path, text_file, capsys):
    from wordspace.train import TooLittleTraining

    # a shift of 1e9 leaves every PMI negative: the SVD of the zero matrix gave zero vectors
    with pytest.raises(TooLittleTraining, match=r"none of the [\d,]+ co-occurring .* has a "
                                                r"positive PPMI.*lower neg \(--shift, now "
                                                r"1e\+09"):
        PPMISVD(dim=4, sample=0, neg=1e9, progress=False).fit(
            [["alpha", "beta", "gamma"]] * 6)
    # one word: its PMI with itself is -log neg alone, refused before counting
    with pytest.raises(TooLittleTraining, match=r"^the vocabulary has 1 word\(s\) \('w'\)"):
        PPMISVD(dim=4, sample=0, progress=False).fit([["w"] * 10])
    out = tmp_path / "y"
    assert main(["train", str(text_file), "-o", str(out), "--model", "ppmi-svd", "--dim",
                 "5", "--min-count", "1", "--sample", "0", "--shift", "1e9", "--quiet"]) != 0
    assert "positive PPMI" in capsys.readouterr().err and not out.exists()


def test_a_dimension_above_the_vocabulary_says_what_it_gets(planted, caplog, monkeypatch):
    """Said before the counting (which may take minutes), not after the SVD."""
    import logging

    corpus = Corpus(planted[0], min_count=1)  # 24 words
    said = "will have at most 24 dimensions, not dim=50"
    counting = PPMISVD.cooccurrence

    def count(self, corpus):
        assert said in caplog.text  # already
        return counting(self, corpus)

    monkeypatch.setattr(PPMISVD, "cooccurrence", count)
    with caplog.at_level(logging.WARNING, logger="wordspace.models.ppmi"):
        model = PPMISVD(dim=50, sample=0, progress=False).fit(corpus)
    assert model.vectors.dim == len(corpus.vocab) == 24


def test_the_running_sum_of_the_job_blocks_is_their_sum_and_stays_small():
    """The counting's blocks are summed through a stack whose sizes fall geometrically:
    the total is the plain sum, and the stack holds a few matrices, not one per job."""
    from scipy import sparse

    from wordspace.models.ppmi import _Sums

    rng = np.random.default_rng(0)
    n, sums, expected, deepest = 50, _Sums(), np.zeros((50, 50)), 0
    for _ in range(200):
        m = int(rng.integers(1, 300))
        rows, cols = rng.integers(0, n, m), rng.integers(0, n, m)
        weights = rng.random(m).astype(np.float32)
        sums.add(sparse.csr_matrix((weights, (rows, cols)), shape=(n, n)))
        np.add.at(expected, (rows, cols), weights)
        deepest = max(deepest, len(sums._stack))
    total = sums.total(n)
    assert total.dtype == np.float32 and total.shape == (n, n)
    np.testing.assert_allclose(total.toarray(), expected, rtol=1e-5)
    assert deepest <= 12  # about log2 of the 200 blocks, not 200


def test_counts_whose_ppmi_would_not_fit_are_refused_with_the_figures(monkeypatch):
    """The cells are known only once counted: a PPMI and SVD that would not fit in the
    memory left are refused then, with the figures, rather than killed midway."""
    from wordspace.train import MEMORY_SHARE, TrainingTooLarge

    model = PPMISVD(dim=4, window=2, sample=0, progress=False)
    corpus = Corpus([["a", "b", "c", "d"] * 5] * 4, min_count=1)
    counted = model.cooccurrence(corpus).nnz
    monkeypatch.setattr("wordspace.train.available_memory", lambda: 100)
    with pytest.raises(TrainingTooLarge, match=rf"counting found {counted:,} \(word, context\) "
                                               r"cells; their PPMI and SVD need about .* GiB "
                                               r"more and 0\.0 GiB is available"):
        model._check_ppmi_memory(counted, 4)
    monkeypatch.setattr(PPMISVD, "_check_resources", lambda self, update=False: None)
    with pytest.raises(TrainingTooLarge, match="counting found"):
        model.fit(corpus)  # once counted, before the PPMI
    # the PPMI's temporaries are gone before the SVD's blocks come: the larger of the two
    need = 20 * 10_000_000
    monkeypatch.setattr("wordspace.train.available_memory", lambda: need / MEMORY_SHARE + 1)
    model._check_ppmi_memory(10_000_000, 1000)
