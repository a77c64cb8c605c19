"""Gaussian energies and their closed-form gradients (docs/gaussian.md), checked against
scipy, Monte Carlo and central finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from helpers import numeric_gradient
from wordspace.kernels.gaussian import EL, KL, add_energy_gradient, energy

KINDS = {"el": EL, "kl": KL}


def rows(rng, n, spherical):
    mu_w, mu_c = rng.normal(size=n), rng.normal(size=n)
    shape = 1 if spherical else n
    return mu_w, rng.uniform(0.3, 2.0, shape), mu_c, rng.uniform(0.3, 2.0, shape)


def full_cov(var, n):
    return np.diag(np.broadcast_to(var, (n,)))


@pytest.mark.parametrize("spherical", [False, True])
def test_el_is_the_log_of_the_expected_likelihood(spherical):
    rng = np.random.default_rng(0)
    n = 4
    mu_w, var_w, mu_c, var_c = rows(rng, n, spherical)
    # integral of N(x; mu_w, S_w) N(x; mu_c, S_c) dx = N(mu_w; mu_c, S_w + S_c)
    expected = stats.multivariate_normal(mu_c, full_cov(var_w + var_c, n)).logpdf(mu_w)
    assert energy(mu_w, var_w, mu_c, var_c, EL) == pytest.approx(expected, rel=1e-12)
    # and by Monte Carlo over x ~ N_w
    x = rng.normal(size=(400_000, n)) * np.sqrt(np.broadcast_to(var_w, (n,))) + mu_w
    mc = np.log(stats.multivariate_normal(mu_c, full_cov(var_c, n)).pdf(x).mean())
    assert energy(mu_w, var_w, mu_c, var_c, EL) == pytest.approx(mc, abs=0.02)
    assert energy(mu_c, var_c, mu_w, var_w, EL) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("spherical", [False, True])
def test_kl_energy_is_minus_kl_of_context_from_word(spherical):
    rng = np.random.default_rng(1)
    n = 3
    mu_w, var_w, mu_c, var_c = rows(rng, n, spherical)
    # Monte Carlo KL(N_c || N_w) = E_{x ~ N_c}[log N_c(x) - log N_w(x)]
    n_c = stats.multivariate_normal(mu_c, full_cov(var_c, n))
    n_w = stats.multivariate_normal(mu_w, full_cov(var_w, n))
    x = n_c.rvs(size=400_000, random_state=2)
    kl = (n_c.logpdf(x) - n_w.logpdf(x)).mean()
    assert -energy(mu_w, var_w, mu_c, var_c, KL) == pytest.approx(kl, abs=0.02)
    assert energy(mu_w, var_w, mu_w, var_w, KL) == pytest.approx(0.0, abs=1e-12)
    assert energy(mu_w, var_w, mu_c, var_c, KL) != pytest.approx(
        energy(mu_c, var_c, mu_w, var_w, KL), abs=1e-3)


def check_gradient(mu_w, var_w, mu_c, var_c, kind, coef=1.7):
    grads = [np.zeros_like(a) for a in (mu_w, var_w, mu_c, var_c)]
    add_energy_gradient(mu_w, var_w, mu_c, var_c, kind, coef, *grads)
    params = (mu_w, var_w, mu_c, var_c)
    numeric = numeric_gradient(lambda: energy(mu_w, var_w, mu_c, var_c, kind), params)
    for analytic, expected in zip(grads, numeric, strict=True):
        np.testing.assert_allclose(analytic, coef * expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["el", "kl"])
@pytest.mark.parametrize("spherical", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_closed_form_gradients_match_finite_differences(kind, spherical, seed):
    check_gradient(*rows(np.random.default_rng(seed), 6, spherical), KINDS[kind])


floats = st.floats(-3, 3, allow_nan=False)
variances = st.floats(0.05, 5, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from(["el", "kl"]), st.booleans(), st.integers(1, 5))
def test_gradients_on_generated_inputs(data, kind, spherical, n):
    shape = 1 if spherical else n
    mu_w = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    mu_c = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    var_w = np.array(data.draw(st.lists(variances, min_size=shape, max_size=shape)))
    var_c = np.array(data.draw(st.lists(variances, min_size=shape, max_size=shape)))
    check_gradient(mu_w, var_w, mu_c, var_c, KINDS[kind])


def test_gradients_accumulate():
    mu_w, var_w, mu_c, var_c = rows(np.random.default_rng(3), 4, False)
    once = [np.zeros(4) for _ in range(4)]
    add_energy_gradient(mu_w, var_w, mu_c, var_c, EL, 2.0, *once)
    twice = [np.zeros(4) for _ in range(4)]
    for _ in range(2):
        add_energy_gradient(mu_w, var_w, mu_c, var_c, EL, 1.0, *twice)
    for a, b in zip(once, twice, strict=True):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("kind", ["el", "kl"])
@pytest.mark.parametrize("spherical", [False, True])
def test_max_margin_update_takes_the_adagrad_step_of_the_hinge_loss(kind, spherical):
    """One example through the training kernel: every row moves by AdaGrad's first step
    (``lr / sqrt(mean g^2) * g``) along ``g = -dL/drow`` of the window's hinge loss
    ``sum_jk max(0, m - S(w, c_j) + S(w, n_k))``, computed by finite differences."""
    from wordspace.engine.layout import Examples
    from wordspace.engine.params import GaussianParams
    from wordspace.losses import MaxMarginLoss

    rng = np.random.default_rng(5)
    n_words, n, lr, var_lr, margin = 6, 5, 0.05, 0.02, 2.0
    var_dim = 1 if spherical else n
    params = [rng.normal(scale=0.5, size=(n_words, n)), rng.uniform(0.5, 1.5, (n_words, var_dim)),
              rng.normal(scale=0.5, size=(n_words, n)), rng.uniform(0.5, 1.5, (n_words, var_dim))]
    params = [p.astype(np.float32) for p in params]
    reference = [p.astype(np.float64) for p in params]
    w, contexts, negatives = 0, np.array([1, 2], np.int32), np.array([[3, 4, 5]], np.int32)

    def hinge_loss():
        mu_w, var_w, mu_c, var_c = reference
        s = [energy(mu_w[w], var_w[w], mu_c[c], var_c[c], KINDS[kind])
             for c in [*contexts, *negatives[0]]]
        return sum(max(0.0, margin - s[j] + s[2 + k]) for j in range(2) for k in range(3))

    expected_loss = hinge_loss()
    grads = numeric_gradient(hinge_loss, reference)
    before = [p.copy() for p in params]
    objective = MaxMarginLoss(kind, margin, mu_max=100.0, var_min=1e-3, var_max=100.0,
                              variance_rate=var_lr / lr)
    gaussians = GaussianParams(*params)  # separate word and context distributions
    examples = Examples.from_lists([w], [[[c] for c in contexts]], negatives)
    loss, triples, active = objective.update(
        gaussians, examples, lr, objective.scratch(gaussians, negatives.shape[1], 2))
    assert triples == 6 and 0 < active <= 6 and loss == pytest.approx(expected_loss, rel=1e-4)
    for p, b, g, rate in zip(params, before, grads, (lr, var_lr, lr, var_lr), strict=True):
        for r in range(n_words):
            step = -g[r] * rate / np.sqrt((g[r] ** 2).mean() + 1e-8) if g[r].any() else 0 * g[r]
            np.testing.assert_allclose(p[r] - b[r], step, rtol=2e-3, atol=1e-6)
