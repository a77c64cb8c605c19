"""The hierarchical softmax (word2vec.c's ``-hs 1``): the Huffman tree, the kernel's exact
gradient steps over every layout, and the models, queries and files that use it.

Reference for the steps: for each bag ``b`` of an example with mean input ``h_b``,
``L = -sum_b log p(w | h_b)`` with ``p`` the product of the branches' probabilities
along ``w``'s path, computed in float64 by :meth:`HuffmanTree.log_probabilities` (itself
checked against a brute-force walk) and differentiated by central finite differences.
"""

from __future__ import annotations

import heapq
import itertools
import json

import numpy as np
import pytest

from conftest import planted_sentences
from helpers import (
    N_TOPICS,
    neighbour_purity,
    numeric_gradient,
    planted_documents,
    topic_document,
    write_sentences,
)
from wordspace.cli import main
from wordspace.corpus import Corpus
from wordspace.documents import Documents
from wordspace.engine.layout import Examples
from wordspace.engine.params import VectorParams
from wordspace.huffman import HuffmanTree
from wordspace.losses import HierarchicalSoftmaxLoss
from wordspace.models import CBOW, PVDBOW, PVDM, FastText, SkipGram
from wordspace.models.base import load_model


def huffman_cost(counts) -> int:
    """The weighted path length of an optimal prefix code (heapq's Huffman)."""
    heap = [int(c) for c in counts]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


# -- the tree ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_the_tree_is_an_optimal_prefix_code_over_the_counts(seed):
    rng = np.random.default_rng(seed)
    counts = np.minimum(rng.zipf(1.4, size=int(rng.integers(2, 3000))), 10**7)
    tree = HuffmanTree.build(counts)
    depths = tree.depths
    assert len(tree) == len(counts) and depths.min() >= 1
    assert int(depths @ counts) == huffman_cost(counts)  # optimal
    assert np.sum(2.0 ** -depths) == pytest.approx(1.0)  # a full binary tree (Kraft)
    codes = {"".join(map(str, tree.path(w)[1])) for w in range(len(counts))}
    assert len(codes) == len(counts)  # distinct ...
    assert not any(a != b and b.startswith(a) for a in codes for b in codes
                   if len(codes) < 400)  # ... and prefix-free
    root = len(counts) - 2
    assert all(tree.path(w)[0][0] == root for w in range(len(counts)))
    assert set(tree.nodes.tolist()) == set(range(len(counts) - 1))  # every inner node used
    # a more frequent word never has a longer path
    order = np.argsort(-counts, kind="stable")
    assert np.all(np.diff(depths[order]) >= 0)


def test_each_inner_node_has_one_parent_and_its_two_children_branch_apart():
    counts = np.array([5, 9, 12, 13, 16, 45])  # the textbook example (CLRS 16.3)
    tree = HuffmanTree.build(counts)
    assert tree.depths.tolist() == [4, 4, 3, 3, 3, 1]
    children = {}
    for w in range(len(counts)):
        nodes, codes = tree.path(w)
        for depth, (node, code) in enumerate(zip(nodes, codes, strict=True)):
            below = ("leaf", w) if depth == len(nodes) - 1 else ("node", int(nodes[depth + 1]))
            assert children.setdefault((int(node), int(code)), below) == below
    assert len(children) == 2 * (len(counts) - 1)  # each inner node: one child per branch


def test_the_tree_depends_on_the_counts_alone_and_needs_two_words():
    counts = np.array([3, 7, 7, 1, 7, 2])
    a, b = HuffmanTree.build(counts), HuffmanTree.build(counts.tolist())
    assert all(np.array_equal(x, y) for x, y in ((a.ptr, b.ptr), (a.nodes, b.nodes),
                                                 (a.codes, b.codes)))
    with pytest.raises(ValueError, match="at least two words"):
        HuffmanTree.build([5])


def test_log_probabilities_walk_the_paths_and_sum_to_one():
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 1000, size=40)
    tree = HuffmanTree.build(counts)
    scores = rng.normal(scale=2.0, size=len(counts) - 1)
    logp = tree.log_probabilities(scores)
    assert np.exp(logp).sum() == pytest.approx(1.0, abs=1e-12)
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    for w in range(len(counts)):
        nodes, codes = tree.path(w)
        p = np.prod([sigmoid(scores[n]) if c == 0 else 1 - sigmoid(scores[n])
                     for n, c in zip(nodes, codes, strict=True)])
        assert logp[w] == pytest.approx(np.log(p), rel=1e-12)


# -- the kernel's steps -----------------------------------------------------------------
COUNTS = np.array([30, 20, 12, 9, 7, 5, 3, 2, 1])


def reference_loss(syn0, syn1, examples: Examples, tree: HuffmanTree):
    loss = 0.0
    for e in range(examples.n_examples):
        for bag in examples.bags(e):
            h = syn0[bag].mean(axis=0)
            loss -= tree.log_probabilities(syn1[:len(tree) - 1] @ h)[examples.centres[e]]
    return loss


def setup(n_inputs=9, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(scale=0.7, size=(n_inputs, dim)).astype(np.float32),
            rng.normal(scale=0.7, size=(len(COUNTS), dim)).astype(np.float32))


def step(syn0, syn1, examples, lr, tree, **options):
    loss = HierarchicalSoftmaxLoss(tree, COUNTS, **options)
    params = VectorParams(syn0, syn1)
    scratch = loss.scratch(params, 0, int(np.diff(examples.bag_ptr).max()))
    return loss.update(params, examples, lr, scratch)


def hs_examples(centres, bags):
    return Examples.from_lists(centres, bags, [[] for _ in centres])


@pytest.mark.parametrize("bags,scale", [
    ([[[6]]], {}),                             # skip-gram per pair: one one-row bag
    ([[[1], [2], [3], [2]]], {}),              # shared window: one-row bags, one repeated
    ([[[1, 2, 3]]], {1: 3, 2: 3, 3: 3}),       # CBOW: rows take their mean's whole step
])
@pytest.mark.parametrize("centre", [0, 4, 8])  # a short, a middle and the longest path
def test_each_layout_takes_the_gradient_step_of_minus_log_p(bags, scale, centre):
    tree = HuffmanTree.build(COUNTS)
    syn0, syn1 = setup(seed=centre)
    examples = hs_examples([centre], bags)
    lr = 1e-3
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    expected = reference_loss(p0, p1, examples, tree)
    g0, g1 = numeric_gradient(lambda: reference_loss(p0, p1, examples, tree), [p0, p1])
    before0, before1 = syn0.copy(), syn1.copy()
    loss, pairs, _ = step(syn0, syn1, examples, lr, tree)
    assert loss == pytest.approx(expected, rel=1e-5) and pairs == examples.n_bags
    factor = np.ones(len(syn0))
    factor[list(scale)] = list(scale.values())
    np.testing.assert_allclose(syn0 - before0, -lr * g0 * factor[:, None], rtol=2e-3,
                               atol=2e-7)
    np.testing.assert_allclose(syn1 - before1, -lr * g1, rtol=2e-3, atol=2e-7)
    path = set(tree.path(centre)[0].tolist())
    moved = set(np.flatnonzero(np.abs(syn1 - before1).sum(axis=1)).tolist())
    assert moved == path  # only the inner nodes on the centre's path move


def test_bags_of_several_rows_and_a_read_only_twin():
    """Subword-like bags mixed with a one-row bag (the general kernel), and inference's
    twin, which moves the inputs alone and leaves the frozen rows as they were."""
    tree = HuffmanTree.build(COUNTS)
    syn0, syn1 = setup(n_inputs=10)
    examples = hs_examples([7], [[[1, 7, 8], [2], [3, 7]]])
    p0, p1 = syn0.astype(np.float64), syn1.astype(np.float64)
    grads = []
    for bag in examples.bags(0):
        one = hs_examples([7], [[list(bag)]])
        g0, _ = numeric_gradient(lambda one=one: reference_loss(p0, p1, one, tree), [p0, p1])
        grads.append(g0 * len(bag))
    _, g1 = numeric_gradient(lambda: reference_loss(p0, p1, examples, tree), [p0, p1])
    before0, before1 = syn0.copy(), syn1.copy()
    step(syn0, syn1, examples, 1e-3, tree)
    np.testing.assert_allclose(syn0 - before0, -1e-3 * sum(grads), rtol=2e-3, atol=2e-7)
    np.testing.assert_allclose(syn1 - before1, -1e-3 * g1, rtol=2e-3, atol=2e-7)
    # read-only, rows below 3 frozen: outputs and rows 1, 2 stay; 3, 7, 8 move as above
    syn0, syn1 = before0.copy(), before1.copy()
    twin = HierarchicalSoftmaxLoss(tree, COUNTS).read_only(frozen_inputs=3)
    params = VectorParams(syn0, syn1)
    twin.update(params, examples, 1e-3, twin.scratch(params, 0, 3))
    np.testing.assert_array_equal(syn1, before1)
    np.testing.assert_array_equal(syn0[:3], before0[:3])
    np.testing.assert_allclose(syn0[3:] - before0[3:], -1e-3 * sum(grads)[3:], rtol=2e-3,
                               atol=2e-7)


def test_cached_word_bags_train_as_the_bag_kernel_with_a_tree():
    """fastText's cached bags: with no row shared between nearby bags, the same steps as
    the general kernel (tests/test_fasttext.py checks the same of negative sampling)."""
    from test_fasttext import _disjoint_bags, train_both_ways

    n_words, dim = 200, 8
    rng = np.random.default_rng(2)
    order = rng.permutation(n_words)
    sentences = [order[:90], order[90:]]
    bags = _disjoint_bags(n_words)
    tree = HuffmanTree.build(rng.integers(1, 500, n_words))
    inputs = rng.normal(scale=0.3, size=(3 * n_words, dim)).astype(np.float32)
    outputs = rng.normal(scale=0.3, size=(n_words, dim)).astype(np.float32)
    trained = train_both_ways(HierarchicalSoftmaxLoss(tree), bags, sentences, inputs,
                              outputs, 0.05, negative=0)
    assert not np.allclose(trained[1].outputs, outputs)
    np.testing.assert_allclose(trained[1].inputs, trained[0].inputs, atol=2e-6)
    np.testing.assert_allclose(trained[1].outputs, trained[0].outputs, atol=2e-6)


def test_an_untrained_model_s_loss_is_the_mean_path_times_log_2():
    counts = np.array([50, 30, 10, 5, 5])
    tree = HuffmanTree.build(counts)
    loss = HierarchicalSoftmaxLoss(tree, counts)
    expected = float(tree.depths @ counts / counts.sum()) * np.log(2)
    assert loss.reference_loss(None, 0) == pytest.approx(expected)
    # ... which is what zero output rows give, per pair, for centres drawn by count
    syn0, syn1 = np.ones((1, 3), np.float32), np.zeros((5, 3), np.float32)
    centres = np.repeat(np.arange(5), counts)
    examples = hs_examples(centres.tolist(), [[[0]]] * len(centres))
    total = reference_loss(syn0.astype(np.float64), syn1.astype(np.float64), examples, tree)
    assert total / len(centres) == pytest.approx(expected)


# -- the models -------------------------------------------------------------------------
FAST = dict(dim=16, epochs=6, sample=0.0, workers=1, progress=False, seed=3)


@pytest.fixture(scope="module")
def planted_corpus(tmp_path_factory):
    sentences, groups = planted_sentences(n_groups=4, group_size=6, n_sentences=1500)
    path = write_sentences(tmp_path_factory.mktemp("hs") / "c.txt", sentences)
    return path, groups


def _within_beats_across(vectors, groups) -> float:
    unit = lambda w: vectors[w] / np.linalg.norm(vectors[w])  # noqa: E731
    within = [unit(a) @ unit(b) for g in groups for a, b in itertools.combinations(g, 2)]
    across = [unit(a) @ unit(b) for g, h in itertools.combinations(groups, 2)
              for a in g for b in h]
    return float(np.mean(within) - np.mean(across))


@pytest.mark.parametrize("make", [
    lambda: SkipGram(hs=True, negative=0, **FAST),
    lambda: SkipGram(hs=True, negative=0, shared_negatives=False, **FAST),
    lambda: CBOW(hs=True, negative=0, **FAST),
    lambda: FastText(hs=True, negative=0, bucket=5000, **FAST),
], ids=["sgns", "per-pair", "cbow", "fasttext"])
def test_models_with_a_tree_recover_planted_groups_and_lower_the_loss(make,
                                                                      planted_corpus):
    path, groups = planted_corpus
    model = make().fit(Corpus(path, progress=False))
    assert _within_beats_across(model.wv, groups) > 0.3
    losses = model.report_.epoch_loss
    tree = HuffmanTree.build(model.vocab_.counts)
    assert losses[-1] < losses[0] < tree.mean_depth(model.vocab_.counts) * np.log(2)
    assert model.output_vectors_.shape == (len(model.vocab_), 16)
    assert not model.output_vectors_[-1].any()  # V - 1 inner nodes: the last row unused


def test_predict_output_word_is_the_tree_s_probability(planted_corpus):
    path, groups = planted_corpus
    model = CBOW(hs=True, negative=0, **FAST).fit(Corpus(path, progress=False))
    context = groups[2][:3]
    found = model.predict_output_word(context, topn=None)
    assert sum(p for _, p in found) == pytest.approx(1.0, abs=1e-6)
    mean = np.mean([model.wv[w] for w in context], axis=0)
    tree = HuffmanTree.build(model.vocab_.counts)
    logp = tree.log_probabilities(model.output_vectors_[:-1].astype(np.float64) @ mean)
    for word, p in found[:5]:
        assert p == pytest.approx(np.exp(logp[model.vocab_.index_of(word)]), rel=1e-5)
    assert {w for w, _ in found[:6]} == set(groups[2])  # the group's words come first


@pytest.mark.parametrize("cls,options", [(SkipGram, {}), (CBOW, {}),
                                         (CBOW, {"cbow_mean": False})])
def test_score_is_the_log_probability_of_each_sentence(cls, options, planted_corpus):
    """gensim's Word2Vec.score, exactly: every word predicted from each context within the
    window (CBOW: from their mean, or sum), unknown words left out first; computed here
    through the tree's log probabilities in Python."""
    path, groups = planted_corpus
    model = cls(hs=True, negative=0, window=2, **options, **FAST).fit(
        Corpus(path, progress=False))
    combine = np.sum if options else np.mean
    tree = HuffmanTree.build(model.vocab_.counts)
    outputs = model.output_vectors_[:-1].astype(np.float64)

    def expected(sentence):
        known = [w for w in sentence if w in model.vocab_]
        total = 0.0
        for i, word in enumerate(known):
            contexts = [model.wv[c].astype(np.float64) for j, c in enumerate(known)
                        if j != i and abs(j - i) <= 2]
            inputs = [combine(contexts, axis=0)] if cls is CBOW and contexts else contexts
            total += sum(tree.log_probabilities(outputs @ h)[model.vocab_.index_of(word)]
                         for h in inputs)
        return total

    same = groups[1][:4]
    mixed = [groups[0][0], groups[1][0], groups[2][0], groups[3][0]]
    sentences = [same, ["unseen", *same[:2], "words", same[2]], mixed, [same[0]], []]
    scores = model.score(iter(sentences))
    np.testing.assert_allclose(scores, [expected(s) for s in sentences], rtol=1e-9)
    assert scores[0] > scores[2] and scores[3] == scores[4] == 0.0  # planted beats mixed
    assert len(model.score(sentences, total_sentences=2)) == 2
    with pytest.raises(TypeError, match="lists of tokens"):
        model.score(["a sentence as one string"])


def test_score_needs_a_tree_and_a_word_s_vector_for_its_input(planted_corpus):
    path, _ = planted_corpus
    model = SkipGram(**FAST).fit(Corpus(path, progress=False))
    with pytest.raises(RuntimeError, match="hs=True"):
        model.score([["g0w1", "g0w2"]])
    cbow = FastText(hs=True, negative=0, cbow=True, bucket=500, **{**FAST, "epochs": 1})
    with pytest.raises(TypeError, match="fastText's CBOW"):
        cbow.fit(Corpus(path, progress=False)).score([["g0w1", "g0w2"]])


def test_a_model_pickled_before_hs_unpickles_as_negative_sampling(planted_corpus):
    import pickle

    path, _ = planted_corpus
    model = SkipGram(**{**FAST, "epochs": 1}).fit(Corpus(path, progress=False))
    del model.__dict__["hs"]  # as a SkipGram pickled before the parameter existed
    old = pickle.loads(pickle.dumps(model))
    assert old.get_params()["hs"] is False and old.predict_output_word(["g0w1"], topn=1)


def test_a_saved_tree_model_loads_answers_and_resumes_nothing_else(planted_corpus,
                                                                   tmp_path):
    path, _ = planted_corpus
    model = SkipGram(hs=True, negative=0, **FAST).fit(Corpus(path, progress=False))
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["params"]["hs"] is True
    assert config["format"] == 3  # an older wordspace says to upgrade, not "negative=0"
    loaded = load_model(tmp_path / "m")
    assert loaded.hs and loaded.negative == 0
    assert loaded.predict_output_word(["g0w1"], topn=3) == model.predict_output_word(
        ["g0w1"], topn=3)
    # a negative-sampling model asked about after set_params(hs=True) answers as trained
    ns = SkipGram(**FAST).fit(Corpus(path, progress=False))
    ns.save(tmp_path / "ns")
    assert json.loads((tmp_path / "ns" / "config.json").read_text())["format"] == 2
    before = ns.predict_output_word(["g0w1"], topn=3)
    ns.set_params(hs=True, negative=0)
    assert ns.predict_output_word(["g0w1"], topn=3) == before


# PV-DM with a tree on these 38 words recovers less (0.82) than with negatives (1.0), as
# gensim's Doc2Vec(dm=1, hs=1, negative=0) does (0.83, same settings); chance is 0.25
@pytest.mark.parametrize("cls,purity", [(PVDBOW, 0.9), (PVDM, 0.75)])
def test_document_models_learn_and_infer_with_the_tree(cls, purity):
    """As tests/test_pvdm.py checks negative sampling: the planted topics recovered, and
    new documents inferred among their topic's."""
    texts, topics = planted_documents()
    docs = Documents(texts, min_count=1, progress=False)
    model = cls(hs=True, negative=0, **{**FAST, "epochs": 15, "alpha": 0.05}).fit(docs)
    assert neighbour_purity(model, topics) > purity
    rng = np.random.default_rng(99)
    new_topics = np.arange(N_TOPICS).repeat(5)
    inferred = model.dv.infer_many([topic_document(rng, t) for t in new_topics])
    votes = (inferred @ model.dv.unit.T).argsort(axis=1)[:, -5:]
    assert np.mean(topics[votes] == new_topics[:, None]) > purity


@pytest.mark.parametrize("kwargs,match", [
    (dict(hs=True), "negative=5 with hs=True"),
    (dict(negative=0), "for a hierarchical softmax instead, set hs=True"),
    (dict(hs=2, negative=0), r"hs must be True or False \(or gensim's 1 or 0\), got 2"),
    (dict(hs=True, negative=0, device="cuda"), "CPU only"),
])
def test_asking_for_both_objectives_or_neither_is_refused_before_reading(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SkipGram(**kwargs).fit(["never", "read"])


def test_a_tree_model_is_not_updated_with_more_text(planted_corpus):
    path, _ = planted_corpus
    model = SkipGram(hs=True, negative=0, **FAST).fit(Corpus(path, progress=False))
    with pytest.raises(ValueError, match="cannot continue a hierarchical softmax"):
        model.fit([["g0w1", "g0w2"]], update=True)


def test_the_command_line_hs_needs_no_negative_option(planted_corpus, tmp_path, capsys):
    path, _ = planted_corpus
    out = tmp_path / "m"
    assert main(["train", str(path), "-o", str(out), "--hs", "--dim", "8", "--epochs", "1",
                 "--workers", "1", "--quiet"]) == 0
    model = load_model(out)
    assert model.hs and model.negative == 0 and model.output_vectors_.any()
    assert main(["train", str(path), "-o", str(tmp_path / "n"), "--hs", "--negative", "5",
                 "--quiet"]) == 2
    assert "--negative 5 with --hs: the hierarchical softmax replaces negative sampling " \
           "(gensim trains both" in capsys.readouterr().err  # said as typed, not hs=True
    assert not (tmp_path / "n").exists()


def test_fasttext_s_own_hs_models_move_both_ways(planted_corpus, tmp_path):
    """fastText's ``-loss hs`` builds the same tree over the same counts and trains each
    node towards its code where word2vec.c trains it towards 1 - code: a ``.bin`` it
    trained loads as a tree model whose predictions find the planted groups, and one
    wordspace writes says ``loss hs`` with the rows fastText expects."""
    import fasttext  # the dev extra's

    path, groups = planted_corpus
    # thread=10: see test_fasttext's test_bin_files_move_between_wordspace_and_fasttext_itself
    trained = fasttext.train_unsupervised(str(path), model="skipgram", loss="hs", dim=16,
                                          epoch=5, minCount=1, minn=2, maxn=3, bucket=2000,
                                          thread=10, verbose=0)
    trained.save_model(str(tmp_path / "t.bin"))
    theirs = FastText.load_facebook_model(tmp_path / "t.bin")
    assert theirs.hs and theirs.negative == 0
    # fastText's ten Hogwild threads make its run vary: one group in eight or so gets only
    # two of its words in the top four, so the count is over all groups (30 runs: 14-16
    # of 16; with the negation dropped on load: 0 every time)
    hits = [len({w for w, _ in theirs.predict_output_word(group[:3], topn=4)} & set(group))
            for group in groups]
    assert sum(hits) >= 12, hits
    ours = FastText(hs=True, negative=0, bucket=2000, min_n=2, max_n=3, **FAST).fit(
        Corpus(path, progress=False))
    ours.save_facebook_model(tmp_path / "o.bin")
    read = fasttext.load_model(str(tmp_path / "o.bin"))
    assert str(read.f.getArgs().loss) == "loss_name.hs"
    np.testing.assert_array_equal(read.get_output_matrix(), -ours.output_vectors_)
    back = FastText.load_facebook_model(tmp_path / "o.bin")
    assert back.hs and back.predict_output_word(["g0w1"], topn=3) == ours.predict_output_word(
        ["g0w1"], topn=3)


@pytest.mark.parametrize("hs", [True, False])
def test_a_bin_lists_the_words_by_descending_count_as_fasttext_builds_its_tree(hs, tmp_path):
    """<unk> (index 0, here rarer than every word) is written in its place by count:
    fastText builds its tree over the file's order as it stands, so the file must be
    sorted for its tree to be the one trained; each word's rows travel with it."""
    import fasttext  # the dev extra's

    sentences, _ = planted_sentences(n_sentences=400)
    sentences += [["rare1", "g0w1"], ["rare2", "g1w1"]]  # two words below min_count
    corpus = Corpus(write_sentences(tmp_path / "c.txt", sentences), min_count=2, unk=True,
                    progress=False)
    objective = dict(hs=True, negative=0) if hs else {}
    model = FastText(bucket=500, min_n=2, max_n=3, **objective, **{**FAST, "epochs": 2}).fit(
        corpus)
    assert model.vocab_.words[0] == "<unk>" and model.vocab_.counts[0] == 2
    model.save_facebook_model(tmp_path / "m.bin")
    read = fasttext.load_model(str(tmp_path / "m.bin"))
    words, counts = read.get_words(include_freq=True)
    assert np.all(np.diff(counts) <= 0) and words[-1] == "<unk>"
    for word in words:
        np.testing.assert_allclose(read.get_word_vector(word), model.vectors[word],
                                   rtol=1e-5, atol=1e-6)
    rows = [model.vocab_.index_of(w) for w in words]
    expected = -model.output_vectors_ if hs else model.output_vectors_[rows]
    np.testing.assert_array_equal(read.get_output_matrix(), expected)
