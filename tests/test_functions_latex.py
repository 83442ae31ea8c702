"""σ and softplus print as themselves, alone and raised to a power."""

import sympy as sp

from derivations.functions import sigmoid, softplus

h = sp.Symbol("h", real=True)


def test_sigmoid_squared_prints_as_a_power_of_sigma():
    assert sp.latex(sigmoid(h) ** 2) == r"\sigma\left(h\right)^{2}"


def test_softplus_cubed_prints_as_a_power_of_softplus():
    assert sp.latex(softplus(h) ** 3) == r"\operatorname{softplus}\left(h\right)^{3}"


def test_sigmoid_and_softplus_alone():
    assert sp.latex(sigmoid(h)) == r"\sigma\left(h\right)"
    assert sp.latex(softplus(h)) == r"\operatorname{softplus}\left(h\right)"
