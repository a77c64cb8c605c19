"""Gaussian skip-gram: planted hierarchy recovered, bounds kept, queries, evaluation,
persistence and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import write_sentences
from wordspace import Corpus, Distributions, GaussianSkipGram, load_model
from wordspace.cli import main
from wordspace.evaluate import entailment
from wordspace.kernels import gaussian as kernels
from wordspace.train import TooLittleTraining


def hierarchy(n_groups=5, n_specific=6, n_sentences=3000, seed=0):
    """General word ``gen{i}`` co-occurs with every specific word ``s{i}_{j}`` of its group;
    each specific word only with its general word (and itself)."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        i, j = rng.integers(n_groups), rng.integers(n_specific)
        sentences.append([f"gen{i}" if rng.random() < 0.5 else f"s{i}_{j}" for _ in range(8)])
    return sentences, n_groups, n_specific


@pytest.fixture(scope="module")
def trained():
    sentences, n_groups, n_specific = hierarchy()
    # a tiny corpus gives few updates: let the variances learn at the means' rate
    model = GaussianSkipGram(dim=10, energy="el", window=2, negative=5, sample=0, epochs=5,
                             alpha=0.1, variance_rate=1.0, tied=False, workers=1, seed=3,
                             progress=False)
    return model.fit(Corpus(sentences, min_count=1)), n_groups, n_specific


def test_general_words_learn_wider_distributions(trained):
    model, n_groups, n_specific = trained
    d = model.distributions
    det = dict(zip(d.words, d.log_determinants(), strict=True))
    for i in range(n_groups):
        specific = [det[f"s{i}_{j}"] for j in range(n_specific)]
        assert det[f"gen{i}"] > max(specific), (i, det[f"gen{i}"], specific)
    assert {w for w, _ in d.most_general(n_groups)} == {f"gen{i}" for i in range(n_groups)}


def test_kl_entailment_points_from_specific_to_general(trained):
    model, n_groups, n_specific = trained
    d = model.distributions
    pairs = [(f"s{i}_{j}", f"gen{i}") for i in range(n_groups) for j in range(n_specific)]
    right = [d.entailment(s, g) > d.entailment(g, s) for s, g in pairs]
    assert np.mean(right) >= 0.9
    rows = [{"word1": s, "word2": g, "label": True, "fold": "val" if k % 2 else "test"}
            for k, (s, g) in enumerate(pairs)]
    rows += [{"word1": g, "word2": s, "label": False, "fold": "val" if k % 2 else "test"}
             for k, (s, g) in enumerate(pairs)]
    result = entailment(d.scorer("kl"), rows)
    assert result.directional >= 0.9 and result.accuracy >= 0.8
    assert result.average_precision > 0.8
    symmetric = entailment(d.scorer("el"), rows)  # cannot tell directions apart
    assert np.isnan(symmetric.directional) and symmetric.accuracy <= 0.6


def test_neighbours_stay_in_the_group(trained):
    model, n_groups, _ = trained
    for by in ("el", "cosine"):
        top = [w for w, _ in model.distributions.most_similar("gen0", topn=4, by=by)]
        assert all(w.startswith("s0_") for w in top), (by, top)


def test_queries_agree_with_the_energies(trained):
    model, _, _ = trained
    d = model.distributions
    a, b = d["s0_1"], d["gen0"]

    def kernel(x, y, kind):  # the compiled energy, checked against scipy elsewhere
        return kernels.energy(x.mean.astype(float), x.variance.astype(float),
                              y.mean.astype(float), y.variance.astype(float), kind)

    assert d.similarity("s0_1", "gen0", by="el") == pytest.approx(
        kernel(a, b, kernels.EL), rel=1e-5)
    assert d.similarity("s0_1", "gen0", by="kl") == pytest.approx(
        kernel(a, b, kernels.KL), rel=1e-4)
    assert d.similarity("s0_1", "gen0", by="el") == pytest.approx(
        d.similarity("gen0", "s0_1", by="el"), rel=1e-6)

    def kl(p, q):  # KL(N_p || N_q): S_kl(q, p) = -KL(N_p || N_q)
        return -kernel(q, p, kernels.KL)

    assert d.entailment("s0_1", "gen0") == pytest.approx(kl(b, a) - kl(a, b), rel=1e-4)
    assert d.entailment("gen0", "s0_1") == pytest.approx(-d.entailment("s0_1", "gen0"))
    with pytest.raises(KeyError, match="'gen9' is not in the vocabulary"):
        d["gen9"]


@pytest.mark.parametrize("energy_name", ["el", "kl"])
@pytest.mark.parametrize("covariance", ["diagonal", "spherical"])
def test_parameters_stay_finite_and_bounded_on_adversarial_corpora(energy_name, covariance):
    corpora = [
        [["a", "b"] * 30] * 30 + [["c"]],  # a word that never has a context
        [["x", "y", "z"]] * 200 + [["y"] * 400],  # extremely repetitive windows
    ]
    for sentences in corpora:
        # alpha just under the largest allowed, 4 * mu_max / sqrt(dim) = 2.45
        model = GaussianSkipGram(dim=6, energy=energy_name, covariance=covariance, epochs=3,
                                 alpha=2.4, margin=50.0, mu_max=1.5, var_min=0.1, var_max=3.0,
                                 sample=0, workers=2, progress=False)
        model.fit(Corpus(sentences, min_count=1))
        for means in (model.means_, model.context_means_):
            assert np.all(np.isfinite(means))
            assert np.all(np.linalg.norm(means, axis=1) <= 1.5 * (1 + 1e-5))
        for variances in (model.variances_, model.context_variances_):
            assert np.all(np.isfinite(variances))
            assert variances.min() >= 0.1 * (1 - 1e-6) and variances.max() <= 3.0 * (1 + 1e-6)
            assert variances.shape[1] == (6 if covariance == "diagonal" else 1)
    # one word only, where positives and negatives coincide: it trained nothing and
    # passed; now refused before training
    with pytest.raises(TooLittleTraining, match="needs at least 3"):
        model.fit(Corpus([["a"] * 50] * 20, min_count=1))


@pytest.mark.parametrize("tied", [True, False])
def test_tied_distributions_share_parameters(tied):
    # "z" stands alone: never a centre nor a context, only ever drawn as a negative,
    # which moves its context row; tied, that is its word row too
    sentences = [["a", "b", "c", "a", "b", "c"]] * 200 + [["z"]] * 300
    model = GaussianSkipGram(dim=4, tied=tied, sample=0, epochs=2, workers=1, seed=2,
                             progress=False)
    model.fit(Corpus(sentences, min_count=1))
    z = model.vocab_["z"]
    initial = np.random.default_rng(2).normal(scale=0.1, size=model.means_.shape)[z]
    moved = not np.allclose(model.means_[z], initial, atol=1e-6)
    assert moved == tied
    assert (model.context_means_ is model.means_) == tied


def test_save_load_round_trip(tmp_path, trained):
    model, _, _ = trained
    model.save(tmp_path / "g")
    back = load_model(tmp_path / "g")
    assert isinstance(back, GaussianSkipGram) and back.energy == "el"
    np.testing.assert_array_equal(back.variances_, model.variances_)
    assert back.distributions.most_similar("gen1", by="kl") == \
        model.distributions.most_similar("gen1", by="kl")


def test_a_variance_that_is_not_positive_is_refused_naming_the_word(tmp_path, trained):
    model, _, _ = trained
    for bad in (0.0, -2.0, np.nan, np.inf):
        variances = model.variances_.copy()
        variances[3, 1] = bad
        with pytest.raises(ValueError, match=rf"positive and finite: the row of "
                                             rf"'{model.vocab_.words[3]}' \(row 3\) holds "
                                             rf"{bad}"):
            Distributions(model.vocab_.words, model.means_, variances)
    model.save(tmp_path / "g")  # a damaged model directory names itself
    variances = np.load(tmp_path / "g" / "variances_.npy")
    variances[0, 0] = -1.0
    np.save(tmp_path / "g" / "variances_.npy", variances)
    with pytest.raises(ValueError, match=rf"^{tmp_path / 'g'}: variances must be positive"):
        load_model(tmp_path / "g")


def test_several_words_are_a_query_of_the_means_not_of_an_energy(trained):
    model, _, _ = trained
    with pytest.raises(TypeError, match=r"not list \['gen1', 'gen2'\].*"
                                        r"\.vectors\.most_similar\(positive="):
        model.distributions.most_similar(["gen1", "gen2"])
    assert model.vectors.most_similar(positive=["gen1", "gen2"], topn=2)


@pytest.mark.parametrize("tied", [True, False])
def test_context_distributions_are_saved_once(tmp_path, tied):
    sentences = [["a", "b", "c", "a", "b", "c"]] * 50
    model = GaussianSkipGram(dim=4, tied=tied, epochs=1, workers=1, sample=0,
                             progress=False)
    model.fit(Corpus(sentences, min_count=1)).save(tmp_path / "g")
    saved = sorted(p.name for p in (tmp_path / "g").glob("*.npy"))
    assert ("context_means_.npy" in saved) == (not tied)
    back = load_model(tmp_path / "g")
    assert (back.context_means_ is back.means_) == tied
    np.testing.assert_array_equal(back.context_means_, model.context_means_)
    np.testing.assert_array_equal(back.context_variances_, model.context_variances_)


def test_invalid_parameters():
    with pytest.raises(ValueError, match="energy must be one of 'el', 'kl'"):
        GaussianSkipGram(energy="cos").fit(object())
    with pytest.raises(ValueError, match="covariance must be one of"):
        GaussianSkipGram(covariance="full").fit(object())
    with pytest.raises(ValueError, match="var_init must be >= 0.05 and <= 4.0"):
        GaussianSkipGram(var_init=5.0).fit(object())
    with pytest.raises(ValueError, match="variances must have 1 or 3 columns"):
        Distributions(["a"], np.zeros((1, 3)), np.ones((1, 2)))


def test_cli_train_eval_plot_export(tmp_path, monkeypatch, capsys, toy_datasets):
    sentences, _, _ = hierarchy(n_sentences=600)
    corpus = write_sentences(tmp_path / "h.txt", sentences)
    out = tmp_path / "g"
    assert main(["train", str(corpus), "-o", str(out), "--model", "gaussian", "--energy", "kl",
                 "--dim", "6", "--epochs", "2", "--min-count", "1", "--quiet"]) == 0
    model = load_model(out)
    assert isinstance(model, GaussianSkipGram) and model.dim == 6
    mirror = tmp_path / "mirror"
    (mirror / "entailment").mkdir(parents=True)
    toy_datasets("wbless")
    (mirror / "entailment" / "wbless.tsv").write_text(
        "word1\tword2\tlabel\trelation\tfold\n"
        + "".join(f"s{i}_0\tgen{i}\tTrue\thyper\t{f}\ngen{i}\ts{i}_1\tFalse\tother\t{f}\n"
                  for i, f in enumerate(["val", "test", "val", "test", "val"])))
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    capsys.readouterr()
    assert main(["eval", str(out), "--datasets", "wbless", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results) == {"cosine", "el", "kl"} and "accuracy" in results["kl"]["wbless"]
    assert main(["plot", str(out), "gen0", "gen1", "--gaussians", "--neighbours", "2",
                 "-o", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").stat().st_size > 10_000
    assert main(["plot", str(out), "gen0", "--gaussians", "--by", "el", "--neighbours", "2",
                 "-o", str(tmp_path / "el.png")]) == 0
    assert main(["plot", str(out), "gen0", "--by", "el", "-o", str(tmp_path / "x.png")]) == 2
    assert "--by ranks the neighbours drawn with --gaussians" in capsys.readouterr().err
    # similar: by cosine of the means by default, by either energy with --by
    for by in (None, "cosine", "el", "kl"):
        assert main(["similar", str(out), "gen0", "--topn", "3",
                     *(["--by", by] if by else [])]) == 0
        listed = [tuple(line.split()) for line in capsys.readouterr().out.splitlines()]
        expected = model.vectors.most_similar("gen0", topn=3) if by in (None, "cosine") \
            else model.distributions.most_similar("gen0", topn=3, by=by)
        assert listed == [(w, f"{score:.4f}") for w, score in expected], by
    assert main(["export", str(out), "-o", str(tmp_path / "means.txt")]) == 0
    assert f"means.txt holds the Gaussians' means only; their variances stay in {out}" \
        in capsys.readouterr().err  # said: no vectors format keeps a distribution
    assert main(["similar", str(tmp_path / "means.txt"), "gen0", "--by", "kl"]) == 2
    assert "--by is for a Gaussian model's distributions" in capsys.readouterr().err
    assert (tmp_path / "means.txt").read_text().startswith(f"{len(model.vocab_)} 6\n")


def test_tying_is_derived_from_the_parameters_never_stated_twice():
    from wordspace.engine.params import GaussianParams

    means, variances = np.zeros((4, 3), np.float32), np.ones((4, 3), np.float32)
    tied = GaussianParams(means, variances)
    assert tied.tied and tied.context_means is means and tied.context_variances is variances
    # one distribution per word: one set of AdaGrad sums too
    assert tied.context_mean_sums is tied.mean_sums
    assert tied.context_variance_sums is tied.variance_sums
    apart = GaussianParams(means, variances, means.copy(), variances.copy())
    assert not apart.tied and apart.context_mean_sums is not apart.mean_sums
    with pytest.raises(ValueError, match="give both context_means and context_variances"):
        GaussianParams(means, variances, context_means=means.copy())


@pytest.mark.parametrize("tied", [True, False])
def test_update_learns_new_words_and_continues_adagrad_for_the_old(tmp_path, tied):
    from conftest import planted_sentences

    first, _ = planted_sentences(n_groups=2, n_sentences=800, seed=1)
    more, _ = planted_sentences(n_groups=4, n_sentences=1500, seed=2)
    more = Corpus([s for s in more if not any(w.startswith("g1") for w in s)], min_count=1)
    model = GaussianSkipGram(dim=10, window=3, epochs=4, sample=0, mu_max=2.0, var_max=3.0,
                             tied=tied, workers=1, seed=1, progress=False)
    model.fit(Corpus(first, min_count=1)).save(tmp_path / "g")
    old = load_model(tmp_path / "g")  # the AdaGrad sums saved with it
    old_words, n_old = list(old.vocab_.words), len(old.vocab_)
    for name in model._word_arrays:
        np.testing.assert_array_equal(getattr(old, name), getattr(model, name))
    model.fit(more, update=True)
    loaded = load_model(tmp_path / "g", mmap=True).fit(more, update=True)
    for name in model._word_arrays:  # a saved model continues as the one in memory does
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))

    words, n = model.vocab_.words, len(model.vocab_)
    assert words[:n_old] == old_words
    assert sorted(words[n_old:]) == sorted(f"g{g}w{j}" for g in (2, 3) for j in range(6))
    w = old_words.index("g0w0")
    assert model.vocab_.counts[w] == old.vocab_.counts[w] + more.vocab.counts[more.vocab["g0w0"]]
    for name in model._word_arrays:
        assert len(getattr(model, name)) == n
    # new words: AdaGrad sums from zero, rows trained to their groups
    assert (model.mean_sums_[n_old:] > 0).all()
    group_of = {v: int(v[1]) for v in words}
    for query in (model.vectors.most_similar, model.distributions.most_similar):
        hits = [group_of[v] == group_of[u] for u in words[n_old:]
                for v, _ in query(u, topn=4)]
        assert np.mean(hits) > 0.9, (query, np.mean(hits))
    # old words keep their AdaGrad sums, so their rates stay annealed: group 1's (absent
    # from the new text) word distributions are untouched untied (their context ones are
    # drawn as negatives) and move a little tied (0.05 to 0.19 of their length here, 0.6
    # to 0.9 with the sums restarted)
    g1 = [old_words.index(v) for v in old_words if v.startswith("g1")]
    if not tied:
        for name in ("means_", "variances_", "mean_sums_", "variance_sums_"):
            np.testing.assert_array_equal(getattr(model, name)[g1], getattr(old, name)[g1])
    drift = np.linalg.norm(model.means_[g1] - old.means_[g1], axis=1)
    assert (drift < 0.3 * np.linalg.norm(old.means_[g1], axis=1)).all()
    g0 = [old_words.index(v) for v in old_words if v.startswith("g0")]
    assert (model.mean_sums_[g0] > old.mean_sums_[g0]).all()  # trained further
    # the bounds hold for old and new rows alike
    for means in (model.means_, model.context_means_):
        assert np.linalg.norm(means, axis=1).max() <= 2.0 * (1 + 1e-5)
    for variances in (model.variances_, model.context_variances_):
        assert variances.min() >= 0.05 * (1 - 1e-6) and variances.max() <= 3.0 * (1 + 1e-6)
    # a model saved before the sums were kept loads with AdaGrad starting afresh
    for name in model._sums:
        (tmp_path / "g" / f"{name}.npy").unlink()
    assert not load_model(tmp_path / "g").mean_sums_.any()
