"""The earth mover's distance (wordspace.transport), with either solver, against SciPy's
one-dimensional Wasserstein distance, which integrates |F_a - F_b| instead of solving a
programme (POT is a dev dependency: both solvers run everywhere the tests do)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from wordspace.transport import earth_movers_distance


@pytest.mark.parametrize("solver", ["highs", "pot"])
@pytest.mark.parametrize("seed", range(5))
def test_on_a_line_it_is_the_area_between_the_distribution_functions(seed, solver):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=int(rng.integers(1, 12))), rng.normal(1, 2, int(rng.integers(1, 9)))
    a, b = rng.random(len(x)) + 0.01, rng.random(len(y)) + 0.01
    got = earth_movers_distance(a / a.sum(), b / b.sum(), np.abs(x[:, None] - y[None]),
                                solver=solver)
    assert got == pytest.approx(wasserstein_distance(x, y, a, b), rel=1e-7, abs=1e-12)


def test_weights_that_cannot_be_moved_onto_each_other_are_refused():
    cost = np.ones((2, 3))
    with pytest.raises(ValueError, match="equal totals"):
        earth_movers_distance([0.5, 0.5], [0.2, 0.2, 0.2], cost)
    with pytest.raises(ValueError, match="non-negative"):
        earth_movers_distance([1.5, -0.5], [0.4, 0.3, 0.3], cost)
    with pytest.raises(ValueError, match="cost matrix"):
        earth_movers_distance([1.0], [0.5, 0.5, 0.0], cost)
    with pytest.raises(ValueError, match="solver must be"):
        earth_movers_distance([1.0, 0.0], [0.5, 0.5, 0.0], cost, solver="simplex")
