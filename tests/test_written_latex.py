"""The LaTeX reader: every construct reads as the SymPy expression a person means; nothing is misread silently."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.functions import sigmoid, softplus
from derivations.written.latex import ArgMin, IllTyped, Infimum, LatexError, Maximum, Minimum, expression, read
from derivations.written.names import BadName, normalize
from derivations.written.symbols import DeclarationError, build, domain_of

# Its module-scoped fixture is built once: keep the module on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("written_latex")

FRONT = {
    "x": "positive", "y": "real", "t": "real", "theta": "real", r"\theta_0": "real", "n": "positive integer",
    "epsilon": "positive", r"p_{\text{data}}": "density(u)", "q": "density(u)", "D": "function(u) -> (0, 1)",
    "f": "function(t) -> real", "v": "vector(d)", "A": "matrix(m, 3)", "B": "matrix(2, m)",
}


@pytest.fixture(scope="module")
def scope():
    return build(FRONT)


def sym(scope, name):
    return scope.lookup(name)


def same(a, b) -> bool:
    return a == b or sp.simplify(a - b) == 0


# --- round trips: one per construct -----------------------------------------------------------
def test_fractions_and_dfrac(scope):
    x, y = sym(scope, "x"), sym(scope, "y")
    assert same(expression(r"\frac{x}{y + 1}", scope), x / (y + 1))
    assert same(expression(r"\dfrac{1}{2} x", scope), x / 2)


def test_powers_and_subscripts_braced_or_single_token(scope):
    x, th0 = sym(scope, "x"), sym(scope, "theta_0")
    assert expression("x^2", scope) == x**2
    assert expression("x^{10}", scope) == x**10
    assert expression(r"\theta_0", scope) == th0
    assert expression(r"\theta_{0}^2", scope) == th0**2


def test_multi_digit_bare_script_is_an_error_not_a_misreading(scope):
    with pytest.raises(LatexError, match="braces"):
        expression("x^23", scope)


def test_sqrt_and_nth_root(scope):
    x = sym(scope, "x")
    assert expression(r"\sqrt{x}", scope) == sp.sqrt(x)
    assert expression(r"\sqrt[3]{x}", scope) == sp.root(x, 3)


def test_text_and_mathrm_in_subscripts_name_one_symbol(scope):
    u = sym(scope, "u")
    p = scope.functions["p_data"].fn
    for written in (r"p_{\text{data}}(u)", r"p_{\mathrm{data}}(u)", r"p_{data}(u)", r"p_data(u)"):
        assert expression(written, scope) == p(u)


def test_a_bracket_after_a_power_is_a_new_factor(scope):
    x, y = sym(scope, "x"), sym(scope, "y")
    assert expression(r"x^{y} (1 - x)^{1 - y}", scope) == x**y * (1 - x) ** (1 - y)
    assert expression(r"x (1 - x)^2", scope) == x * (1 - x) ** 2


def test_accents_and_fonts_name_symbols():
    s = build({r"\hat{\theta}": "real", r"\bar{x}": "real", r"\boldsymbol{\mu}": "real", r"\mathcal{L}": "real"})
    th, xb, mu, ell = (s.lookup(n) for n in ("theta_hat", "x_bar", "mu", "L"))
    assert expression(r"\hat{\theta} - \bar{x}", s) == th - xb
    assert expression(r"\hat\theta^2", s) == th**2
    assert expression(r"\boldsymbol{\mu} + \mathcal{L}", s) == mu + ell


def test_left_right_cdot_times(scope):
    x, y = sym(scope, "x"), sym(scope, "y")
    assert same(expression(r"\left( x + 1 \right) \cdot y", scope), (x + 1) * y)
    assert same(expression(r"2 \times x", scope), 2 * x)


def test_log_is_natural_ln_exp_and_e_power(scope):
    x = sym(scope, "x")
    assert expression(r"\log x", scope) == sp.log(x)
    assert expression(r"\ln(x)", scope) == sp.log(x)
    assert expression(r"\exp(x)", scope) == sp.exp(x)
    assert expression(r"e^{x}", scope) == sp.exp(x)
    assert same(expression(r"\log_2 x", scope), sp.log(x) / sp.log(2))


def test_log_is_not_base_10(scope):
    # The silent misreading of other parsers: log(100) read as 2.
    assert sp.N(expression(r"\log 100", scope)) == pytest.approx(4.605170185988092)


def test_bare_log_argument_runs_to_the_next_function(scope):
    x = sym(scope, "x")
    assert same(expression(r"\log 2 \pi x", scope), sp.log(2 * sp.pi * x))
    assert same(expression(r"\log x \log x", scope), sp.log(x) ** 2)


def test_sigma_applied_is_the_sigmoid_softplus_too(scope):
    y = sym(scope, "y")
    assert expression(r"\sigma(y)", scope) == sigmoid(y)
    assert expression(r"softplus(y)", scope) == softplus(y)
    assert expression(r"\operatorname{softplus}(y)", scope) == softplus(y)


def test_a_declared_sigma_is_a_symbol():
    s = build({"sigma": "positive", "y": "real"})
    assert expression(r"\sigma y", s) == s.lookup("sigma") * s.lookup("y")


def test_beta_is_a_symbol_not_the_beta_function():
    s = build({r"\beta": "positive", "x": "positive"})
    e = expression(r"\beta(x + 1)", s)
    assert e == s.lookup("beta") * (s.lookup("x") + 1)
    assert not e.has(sp.beta)


def test_capital_f_is_not_f(scope):
    with pytest.raises(LatexError, match="'F'"):
        expression("F(t)", scope)
    both = build({"t": "real", "f": "function(t) -> real", "F": "function(t) -> real"})
    assert expression("F(t) - f(t)", both) != 0


def test_jsd_is_one_divergence_not_j_s_d(scope):
    u = sym(scope, "u")
    p, q = scope.functions["p_data"].fn(u), scope.functions["q"].fn(u)
    m = (p + q) / 2
    want = (sp.Integral(p * sp.log(p / m), (u, -sp.oo, sp.oo)) + sp.Integral(q * sp.log(q / m), (u, -sp.oo, sp.oo))) / 2
    assert same(expression(r"JSD(p_{data} \| q)", scope), want)
    # Declared one-letter symbols J, S, D without an argument list multiply; otherwise JSD is the divergence.
    letters = build({"J": "real", "S": "real", "D": "real"})
    assert expression("JSD", letters) == letters.lookup("J") * letters.lookup("S") * letters.lookup("D")
    with pytest.raises(LatexError, match="JSD needs its arguments"):
        expression("JSD", scope)


def test_expectations_in_both_spellings(scope):
    u = sym(scope, "u")
    p, dfn = scope.functions["p_data"].fn, scope.functions["D"].fn
    want = sp.Integral(p(u) * sp.log(dfn(u)), (u, -sp.oo, sp.oo))
    assert expression(r"\mathbb{E}_{u \sim p_{\text{data}}}\left[\log D(u)\right]", scope) == want
    assert expression(r"E_{u \sim p_data}[\log D(u)]", scope) == want
    assert expression(r"\mathbb{E}_{p_{data}}[\log D(u)]", scope) == want


def test_kl_spellings(scope):
    u = sym(scope, "u")
    p, q = scope.functions["p_data"].fn(u), scope.functions["q"].fn(u)
    want = sp.Integral(q * sp.log(q / p), (u, -sp.oo, sp.oo))
    for written in (r"KL(q \| p_{data})", r"D_{KL}(q \| p_data)", r"\mathrm{KL}(q\|p_{data})",
                    r"D_{\mathrm{KL}}\left(q \,\|\, p_{data}\right)"):
        assert expression(written, scope) == want, written


def test_gaussian_expectation_by_moments(scope):
    th, x = sym(scope, "theta"), sym(scope, "x")
    assert same(expression(r"\mathbb{E}_{t \sim \mathcal{N}(\theta, x^2)}[t^2]", scope), th**2 + x**2)


def test_sum_integral_and_limits(scope):
    n, t = sym(scope, "n"), sym(scope, "t")
    i = sp.Symbol("i", integer=True)
    assert expression(r"\sum_{i=1}^{n} i^2", scope) == sp.Sum(i**2, (i, 1, n))
    assert expression(r"\int_0^1 t^2 \, dt", scope) == sp.Integral(t**2, (t, 0, 1))
    assert expression(r"\int_{0}^{1} t\,dt", scope) == sp.Integral(t, (t, 0, 1))


def test_derivatives_partial_d_prime_nabla(scope):
    th, th0, t = sym(scope, "theta"), sym(scope, "theta_0"), sym(scope, "t")
    f = scope.functions["f"].fn
    assert expression(r"\frac{\partial}{\partial\theta} (\theta - \theta_0)^2", scope) == sp.Derivative(
        (th - th0) ** 2, th)
    assert expression(r"\frac{d}{dt} f(t)", scope) == sp.Derivative(f(t), t)
    assert expression(r"\frac{d f(t)}{dt}", scope) == sp.Derivative(f(t), t)
    assert expression("f'(t)", scope) == sp.Derivative(f(t), t)
    assert expression(r"\nabla_\theta \theta^2", scope) == sp.Derivative(th**2, th)
    assert expression(r"\frac{\partial^2}{\partial \theta^2} \theta^3", scope) == sp.Derivative(th**3, (th, 2))


def test_norms_abs_transposes(scope):
    v, y = scope.lookup("v"), sym(scope, "y")
    assert expression(r"\|v\|^2", scope) == sp.Trace(v.T * v)
    assert expression(r"\|v\|_2", scope) == sp.sqrt(sp.Trace(v.T * v))
    assert expression(r"|y - 1|", scope) == sp.Abs(y - 1)
    assert expression(r"v^\top v", scope) == v.T * v
    assert expression(r"v^T v", scope) == v.T * v


def test_bmatrix(scope):
    assert expression(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", scope) == sp.ImmutableMatrix([[1, 2], [3, 4]])


def test_optimisation_and_limits(scope):
    x, th, eps = sym(scope, "x"), sym(scope, "theta"), sym(scope, "epsilon")
    assert expression(r"\min_{x} (x-1)^2", scope) == Minimum((x - 1) ** 2, x)
    assert expression(r"\max_{x} x", scope) == Maximum(x, x)
    assert expression(r"\arg\min_{\theta} (\theta-1)^2", scope) == ArgMin((th - 1) ** 2, th)
    assert expression(r"\operatorname*{arg\,min}_\theta \theta^2", scope) == ArgMin(th**2, th)
    assert expression(r"\inf_{x} x", scope) == Infimum(x, x)
    assert expression(r"\lim_{\epsilon \to 0} \frac{\sin \epsilon}{\epsilon}", scope) == sp.Limit(
        sp.sin(eps) / eps, eps, 0, "+-")
    assert expression(r"\lim_{\epsilon \to 0^+} \epsilon", scope) == sp.Limit(eps, eps, 0, "+")
    assert expression(r"\infty", scope) == sp.oo


def test_relations_chains_and_continuations(scope):
    x = sym(scope, "x")
    assert read(r"x \le 2x < 3x", scope) == [[(None, x), ("<=", 2 * x), ("<", 3 * x)]]
    assert read(r"= x", scope) == [[("=", x)]]
    assert read(r"\Rightarrow x = 1", scope) == [[("=>", x), ("=", 1)]]
    assert read(r"\iff x = 1", scope) == [[("<=>", x), ("=", 1)]]
    assert len(read(r"x = 1, \theta = 2", scope)) == 2
    assert len(read(r"\begin{cases} x = 1 \\ \theta = 2 \end{cases}", scope)) == 2


# --- errors: line, column, token ----------------------------------------------------------------
def test_unreadable_input_names_line_column_and_token(scope):
    with pytest.raises(LatexError) as err:
        read("x + \n  + )", scope, line=10, column=3)
    e = err.value
    assert (e.line, e.column, e.token) == (11, 5, ")")
    with pytest.raises(LatexError, match="unknown command") as err:
        read(r"x + \foo", scope)
    assert err.value.column == 5 and err.value.token == r"\foo"


def test_undeclared_symbol_is_an_error(scope):
    with pytest.raises(LatexError, match="unknown symbol 'z'"):
        expression("z + 1", scope)


def test_non_conformable_product_is_ill_typed(scope):
    a, b = scope.lookup("A"), scope.lookup("B")
    assert expression("B A", scope) == b * a
    with pytest.raises(IllTyped, match="m×3 and 2×m"):
        expression("A B", scope)


def test_hostile_latex_is_refused_before_parsing(scope):
    with pytest.raises(LatexError, match="refused"):
        read(r"\input{/etc/passwd}", scope)
    with pytest.raises(LatexError, match="nested"):
        read("{" * 5_000 + "x" + "}" * 5_000, scope)
    with pytest.raises(LatexError, match="longer"):
        read("x+" * 20_000 + "x", scope)


# --- names and domains ---------------------------------------------------------------------------
def test_names_latex_and_plain_spellings_agree():
    assert normalize(r"p_{\text{data}}") == normalize("p_data") == "p_data"
    assert normalize(r"\theta_0") == normalize("theta_0") == "theta_0"
    assert normalize("D^*") == "D_star"


@pytest.mark.parametrize("bad", ["__import__", "os.system", "x;y", "a-b", "1x", "_x", "x" * 100])
def test_names_outside_the_whitelist_are_refused(bad):
    with pytest.raises(BadName):
        normalize(bad)


def test_domains():
    assert domain_of("(0, 1)").interval == sp.Interval.open(0, 1)
    assert domain_of("[0, 1]").interval == sp.Interval(0, 1)
    assert domain_of("{0, 1}").values == (0, 1)
    assert domain_of("positive integer").integer and domain_of("positive integer").interval.inf == 1
    with pytest.raises(DeclarationError):
        domain_of("complex")
    with pytest.raises(DeclarationError):
        build({"__import__": "real"})
