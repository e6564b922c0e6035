"""The rules' statistics against independent computations: exact fractions and numpy's least squares."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgflow.insights.statistics import (
    binomial_tail,
    half_means,
    rate_higher_p_value,
    rate_lower_p_value,
    slope,
)


def _exact_tail(successes: int, trials: int, probability: Fraction, *, upper: bool) -> float:
    ks = range(successes, trials + 1) if upper else range(successes + 1)
    return float(sum(math.comb(trials, k) * probability**k * (1 - probability) ** (trials - k) for k in ks))


@given(
    trials=st.integers(0, 400),
    numerator=st.integers(1, 15),
    data=st.data(),
)
def test_binomial_tail_matches_exact_fractions(trials: int, numerator: int, data: st.DataObject) -> None:
    probability = Fraction(numerator, 16)
    successes = data.draw(st.integers(0, trials))
    for upper in (True, False):
        expected = _exact_tail(successes, trials, probability, upper=upper)
        assert binomial_tail(successes, trials, float(probability), upper=upper) == pytest.approx(
            expected, rel=1e-9, abs=1e-300
        )


def test_rate_tests_by_hand() -> None:
    # 3 against 0 over equal exposure: P(X >= 3 | 3, 1/2) = 1/8. 0 against 4 in 1 vs 3 weeks: (3/4)^4.
    assert rate_higher_p_value(3, 1, 0, 1) == pytest.approx(0.125)
    assert rate_lower_p_value(0, 1, 4, 3) == pytest.approx(0.75**4)
    assert rate_higher_p_value(0, 1, 0, 1) == 1.0


def test_slope_and_halves() -> None:
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5]
    assert slope(values) == pytest.approx(np.polyfit(np.arange(9), values, 1)[0])
    assert half_means(values) == (2.25, 5.5)
    assert slope([7]) == 0.0
