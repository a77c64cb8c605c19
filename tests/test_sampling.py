"""The distributions training samples from: negatives, subsampling, window sizes.

Each statistic is measured on what the training sampler itself produces
(:class:`wordspace.engine.Sampler`, over the compiled ``sample_job``) and compared with
its intended distribution.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from wordspace.engine import Job, Sampler
from wordspace.engine.layout import Layout, WordBags
from wordspace.kernels.sampling import build_alias
from wordspace.sampling import keep_probabilities, noise_distribution, noise_tables


def run_job(tokens, window=5, negative=5, sample_keep=None, ns_exponent=0.75, counts=None,
            seed=12345, per_context=False, tags=(), layout=None, shrink_windows=True):
    """One job of one sentence; returns (centres, ptr, contexts, negatives) with example
    ``e``'s contexts ``contexts[ptr[e]:ptr[e + 1]]`` (the rows of its bags)."""
    ex = sample(tokens, window, negative, sample_keep, ns_exponent, counts, seed, tags,
                layout or Layout(max_bags=int(per_context)), shrink_windows)
    n_ex = ex.n_examples
    ptr = ex.row_ptr[ex.bag_ptr[:n_ex + 1]]
    rows = len(ex.negatives) if per_context else n_ex
    return ex.centres[:n_ex], ptr, ex.rows[:ex.n_rows], ex.negatives[:rows]


def sample(tokens, window=5, negative=5, sample_keep=None, ns_exponent=0.75, counts=None,
           seed=12345, tags=(), layout=None, shrink_windows=True):
    """The examples the sampler makes of one sentence (negatives -1 where unwritten)."""
    layout = Layout() if layout is None else layout
    tokens = np.asarray(tokens, dtype=np.int32)
    n_words = int(tokens.max()) + 1
    counts = np.bincount(tokens, minlength=n_words) if counts is None else counts
    keep = np.ones(n_words, np.float32) if sample_keep is None else sample_keep
    n = len(tokens)
    sampler = Sampler(tokens, np.array([0, n]), keep, noise_tables(counts, ns_exponent),
                      window, negative, layout, np.asarray(tags, np.int32), shrink_windows)
    ex = sampler.examples(n, n * (2 * window + 1))
    ex.negatives.fill(-1)  # so unwritten rows show
    return sampler.sample(Job(0, 1, n), np.array([seed], np.uint64), ex)


def test_alias_tables_reproduce_any_distribution():
    weights = np.array([5.0, 1.0, 0.0, 3.0, 0.5, 7.5])
    prob, alias = build_alias(weights)
    # probability mass each index receives from the table
    mass = prob / len(weights)
    np.add.at(mass, alias, (1 - prob) / len(weights))
    np.testing.assert_allclose(mass, weights / weights.sum(), atol=1e-6)


@pytest.mark.parametrize("exponent", [0.75, 1.0])
def test_negatives_follow_counts_to_the_power(exponent):
    counts = np.array([4000, 1500, 700, 200, 90, 40, 10, 3])
    tokens = np.repeat(np.arange(len(counts)), 40)  # the sentence itself does not matter
    _, _, _, negatives = run_job(tokens, counts=counts, ns_exponent=exponent, negative=50)
    observed = np.bincount(negatives.ravel(), minlength=len(counts))
    expected = noise_distribution(counts, exponent) * observed.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    # and 0.75 is distinguishable from plain unigram frequencies
    other = noise_distribution(counts, 1.75 - exponent) * observed.sum()
    assert stats.chisquare(observed, other).pvalue < 1e-6


def test_subsampling_keeps_words_at_word2vec_rates():
    counts = np.array([60_000, 20_000, 5_000, 1_000, 200])
    rng = np.random.default_rng(0)
    tokens = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    keep = keep_probabilities(counts, sample=1e-3)
    f = counts / counts.sum()
    np.testing.assert_allclose(keep, np.minimum(np.sqrt(1e-3 / f) + 1e-3 / f, 1), rtol=1e-6)
    centres, *_ = run_job(tokens, sample_keep=keep, counts=counts, window=2)
    kept = np.bincount(centres, minlength=len(counts))
    # each word's kept count is Binomial(count, keep); allow 5 standard deviations
    sd = np.sqrt(counts * keep * (1 - keep)) + 1
    assert np.all(np.abs(kept - counts * keep) < 5 * sd), (kept, counts * keep)
    assert kept[0] < 0.3 * counts[0] and kept[-1] == counts[-1]


def test_sample_zero_keeps_everything():
    assert np.all(keep_probabilities(np.array([10**6, 5, 1]), 0.0) == 1.0)


def test_effective_window_is_uniform_in_1_to_window():
    window = 6
    tokens = np.arange(30_000) % 97
    centres, ptr, _, _ = run_job(tokens, window=window, negative=1)
    sizes = np.diff(ptr)[window:-window] // 2  # away from the sentence ends: 2b contexts
    observed = np.bincount(sizes, minlength=window + 1)[1:]
    assert len(np.bincount(sizes)) == window + 1
    assert stats.chisquare(observed).pvalue > 1e-3


@pytest.mark.parametrize("window", [1, 6])
def test_without_shrinking_every_centre_takes_the_whole_window(window):
    tokens = np.arange(3_000) % 97
    centres, ptr, contexts, _ = run_job(tokens, window=window, negative=1,
                                        shrink_windows=False)
    assert centres.tolist() == tokens.tolist()
    sizes = np.diff(ptr)
    assert np.all(sizes[window:-window] == 2 * window)
    # near the ends, as far as the sentence reaches
    i = np.arange(len(tokens))
    assert sizes.tolist() == (np.minimum(i, window) + np.minimum(len(tokens) - 1 - i, window)
                              ).tolist()
    assert contexts[ptr[window]:ptr[window + 1]].tolist() == [
        *tokens[:window], *tokens[window + 1:2 * window + 1]]
    # the stream of random numbers then serves the negatives alone: other draws
    assert not np.array_equal(run_job(tokens, window=window, negative=1)[3],
                              run_job(tokens, window=window, negative=1,
                                      shrink_windows=False)[3])


def test_contexts_are_the_neighbours_within_the_window():
    tokens = np.arange(50)
    centres, ptr, contexts, negatives = run_job(tokens, window=3, negative=1)
    assert centres.tolist() == tokens.tolist()  # every word is a centre (nothing subsampled)
    assert np.all(negatives >= 0)  # one row of negatives per centre, all written
    for e, c in enumerate(centres):
        ctx = contexts[ptr[e]:ptr[e + 1]]
        b = len(ctx) // 2 if 3 <= c <= 46 else None
        assert c not in ctx and np.all(np.abs(ctx - c) <= 3)
        if b is not None:
            assert sorted(ctx.tolist()) == [x for x in range(c - b, c + b + 1) if x != c]


def test_per_context_negatives_give_each_pair_its_own():
    tokens = np.arange(200) % 10
    centres, ptr, contexts, negatives = run_job(tokens, window=2, negative=3,
                                                per_context=True)
    assert len(centres) == len(contexts) and np.all(np.diff(ptr) == 1)  # a pair each
    drawn = negatives[:len(contexts)]
    assert np.all((drawn >= 0) & (drawn < 10)), "a pair was left without negatives"
    assert np.all(negatives[len(contexts):] == -1)
    assert len(np.unique(drawn, axis=0)) > len(contexts) // 2


@pytest.mark.parametrize("max_bags", [1, 3, 4])
def test_a_window_is_cut_into_examples_of_at_most_max_bags(max_bags):
    """The examples of a centre, in order, hold exactly its whole window's contexts
    (compared without negatives, whose draws would shift the random stream), and every
    example draws negatives of its own."""
    tokens = np.arange(300) % 17
    whole = sample(tokens, window=4, negative=0)
    cut = sample(tokens, window=4, negative=0, layout=Layout(max_bags=max_bags))
    bags = np.diff(cut.bag_ptr[:cut.n_examples + 1])
    assert bags.max() == max_bags and bags.min() >= 1
    assert np.all(np.diff(cut.row_ptr[:cut.n_bags + 1]) == 1)  # one-row bags
    e = 0
    for w in range(whole.n_examples):  # each window: its examples, in order
        window = []
        while len(window) < len(whole.contexts(w)):
            assert cut.centres[e] == whole.centres[w]
            window += cut.contexts(e).tolist()
            e += 1
        assert window == whole.contexts(w).tolist()
    assert e == cut.n_examples and cut.n_contexts == whole.n_contexts
    drawn = sample(tokens, window=4, negative=2, layout=Layout(max_bags=max_bags))
    assert np.all(drawn.negatives[:drawn.n_examples] >= 0)
    assert np.all(drawn.negatives[drawn.n_examples:] == -1)


def test_a_window_bag_holds_the_whole_window():
    """CBOW: one example per centre, one bag of all its contexts (the same windows)."""
    tokens = np.arange(200) % 13
    plain = sample(tokens, window=3, negative=2)
    cbow = sample(tokens, window=3, negative=2, layout=Layout(bag="window"), tags=[99])
    assert cbow.n_examples == cbow.n_bags == plain.n_examples
    for e in range(cbow.n_examples):
        (bag,) = cbow.bags(e)
        assert bag.tolist() == plain.contexts(e).tolist() + [99]
    assert cbow.n_contexts == plain.n_contexts + plain.n_examples


def test_word_bags_expand_each_context_word_into_its_rows():
    """Subword layouts: a context word is its bag of rows; a sentence's row stays itself."""
    tokens = np.arange(60) % 6
    table = WordBags.from_lists([[w, 6 + w % 2] if w % 3 else [w] for w in range(6)])
    plain = sample(tokens, window=2, negative=2, tags=[50])
    bagged = sample(tokens, window=2, negative=2, tags=[50], layout=Layout(word_bags=table))
    assert bagged.n_examples == plain.n_examples
    np.testing.assert_array_equal(bagged.negatives[:bagged.n_examples],
                                  plain.negatives[:plain.n_examples])
    for e in range(plain.n_examples):
        words = plain.contexts(e)
        bags = bagged.bags(e)
        assert [b.tolist() for b in bags[:-1]] == \
            [table.rows[table.ptr[w]:table.ptr[w + 1]].tolist() for w in words[:-1]]
        assert bags[-1].tolist() == [50]


@pytest.mark.parametrize("per_context", [False, True])
def test_a_sentence_context_joins_every_window(per_context):
    """PV-DBOW: every centre word of the sentence also has the sentence's row as a context,
    after its word contexts."""
    tokens = np.arange(40)  # word i at position i
    plain = run_job(tokens, window=3, negative=2, per_context=per_context)
    tagged = run_job(tokens, window=3, negative=2, per_context=per_context, tags=[500])
    if per_context:  # one pair per example: regroup the pairs by centre
        assert np.all(tagged[3][:len(tagged[2])] >= 0)  # the tag has negatives of its own
        groups = np.flatnonzero(tagged[2] == 500)
        tagged = (tagged[0][groups], np.concatenate([[0], groups + 1]), tagged[2])
    centres = np.unique(tagged[0]) if per_context else tagged[0]
    assert centres.tolist() == np.unique(plain[0]).tolist() if per_context \
        else tagged[0].tolist() == plain[0].tolist()
    for e in range(len(tagged[0])):
        ctx = tagged[2][tagged[1][e]:tagged[1][e + 1]]
        assert ctx[-1] == 500 and 500 not in ctx[:-1]
        assert np.all(np.abs(ctx[:-1] - e) <= 3) and len(ctx) >= 2
        if not per_context:  # same random draws: the word windows are unchanged
            assert ctx[:-1].tolist() == plain[2][plain[1][e]:plain[1][e + 1]].tolist()


def test_window_zero_leaves_the_sentence_context_alone():
    tokens = np.array([3, 1, 4, 1, 5])
    centres, ptr, contexts, _ = run_job(tokens, window=0, negative=1, tags=[7])
    assert centres.tolist() == tokens.tolist() and np.all(np.diff(ptr) == 1)
    assert np.all(contexts == 7)
    # a one-word sentence has no word context, but the tag still trains its word
    centres, _, contexts, _ = run_job(np.array([2]), window=5, negative=1, tags=[0])
    assert centres.tolist() == [2] and contexts.tolist() == [0]
