"""Every step marked soundly: a wrong step is refuted with a counterexample, a right one proved, else undecided."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout

import pytest

from derivations.written import document
from derivations.written.check import SCHEMA, check
from derivations.written.document import DocumentError, parse


def marks(text: str, **kw) -> list[str]:
    return [s["verdict"] for s in check(parse(text), **kw)["steps"]]


def doc(front: str, *blocks: str) -> str:
    return "---\n" + front.strip() + "\n---\n\n" + "\n\n".join(f"$$ {b} $$" for b in blocks) + "\n"


# --- equalities ----------------------------------------------------------------------------------
def test_a_true_identity_is_proved():
    assert marks(doc("x: positive", r"\log x^2 = 2 \log x")) == ["PROVED"]


def test_a_false_identity_is_refuted_with_the_point_and_both_values():
    rep = check(parse(doc("a: real\nb: real", "(a + b)^2 = a^2 + b^2")))
    step = rep["steps"][0]
    assert step["verdict"] == "REFUTED" and rep["first_wrong_step"] == 1 and rep["status"] == "fail"
    c = step["counterexample"]
    a, b = c["point"]["a"], c["point"]["b"]
    assert c["lhs"] == pytest.approx((a + b) ** 2) and c["rhs"] == pytest.approx(a**2 + b**2)
    assert c["lhs"] != pytest.approx(c["rhs"])


def test_chain_links_are_checked_one_by_one_and_a_later_true_link_is_unproved():
    text = doc("x: real", "(x + 1)^2 = x^2 + 2x + 1", "= x^2 + x + 1", "= x(x + 1) + 1")
    assert marks(text) == ["PROVED", "REFUTED", "UNPROVED"]


def test_prose_and_reasons_are_kept():
    text = "---\nx: real\n---\nWe expand the square.\n\n$$ (x+1)^2 = x^2 + 2x + 1 $$ % binomial formula\n"
    step = check(parse(text))["steps"][0]
    assert step["prose"] == "We expand the square." and step["reason"] == "binomial formula"


def test_a_removable_singularity_is_not_a_counterexample():
    # At x = 1 the left side is 0/0: undefined there, not different.
    assert marks(doc("x: real", r"\frac{x^7 - 1}{x - 1} = x^6 + x^5 + x^4 + x^3 + x^2 + x + 1")) == ["PROVED"]


def test_a_claim_false_below_the_numeric_tolerance_is_not_proved():
    # Off by about 1e-40: no sampled point can show it, and SymPy cannot prove a false claim.
    claim = r"\frac{x^2 + 1}{x^2 + 1 + 10^{-40}} = 1"
    assert marks(doc("x: real", claim)) == ["UNDECIDED"]


def test_hypothesis_finds_and_shrinks_a_counterexample_the_sampled_points_miss():
    # x³ − 30x² + 200x < 0 only for 10 < x < 20.
    rep = check(parse(doc("x: positive", r"x^3 - 30 x^2 + 200 x \ge 0")))
    c = rep["steps"][0]["counterexample"]
    assert rep["steps"][0]["verdict"] == "REFUTED" and c["found_by"].startswith("hypothesis")
    x = c["point"]["x"]
    assert 10 < x < 20 and x == int(x)  # shrunk to an integer
    assert c["lhs"] == pytest.approx(x**3 - 30 * x**2 + 200 * x)


def test_aligned_rows_are_steps_with_their_own_reasons():
    text = ("---\nx: real\n---\n\n$$\n\\begin{aligned}\n(x + 1)^2 &= x^2 + 2x + 1 \\\\ % binomial\n"
            "&= x^2 + x + 1 \\tag{2}\n\\end{aligned}\n$$\n")
    rep = check(parse(text))
    assert [s["verdict"] for s in rep["steps"]] == ["PROVED", "REFUTED"]
    assert rep["steps"][0]["reason"] == "binomial" and rep["steps"][1]["line"] == 7


def test_definitions_with_walrus_and_gaussian_density_values():
    front = "x: real\n\\mu: real\n\\sigma: positive\nc: real\np: density(x)"
    steps = (r"c := \mu^2 + \sigma^2", r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[x^2] = c",
             r"-\log \mathcal{N}(x; \mu, \sigma^2) = \frac{(x - \mu)^2}{2\sigma^2} + \frac{1}{2}\log(2 \pi \sigma^2)",
             r"\mathbb{E}_{x}[1] = 1")
    assert marks(doc(front, *steps)) == ["GIVEN", "PROVED", "PROVED", "PROVED"]
    assert marks(doc(front, steps[0], r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[x^2] = c + 1")) == [
        "GIVEN", "REFUTED"]


# --- inequalities ------------------------------------------------------------------------------------
def test_inequality_strictness_is_tracked():
    assert marks(doc("x: real", r"x^2 + 1 > x^2 \ge 0")) == ["PROVED"]
    assert marks(doc("x: real", r"x^2 > 0")) == ["REFUTED"]  # at x = 0


def test_a_chain_across_steps_reports_its_combined_relation():
    rep = check(parse(doc("x: real", "x^2 + 2 = x^2 + 2", r"\ge 2", "> 1", "= 1")))
    (line,) = rep["lines"]
    assert (line["from_step"], line["to_step"], line["relation"]) == (1, 4, ">")
    rep = check(parse(doc("x: real", r"x^2 + 2 \ge 2", r"\le x^2 + 3")))
    assert rep["lines"][0]["relation"] == "mixed"


def test_an_inequality_that_holds_only_for_theta_above_theta0_is_refuted():
    rep = check(parse(doc(r"\theta: real" + "\n" + r"\theta_0: real", r"|\theta - \theta_0| \le \theta - \theta_0")))
    c = rep["steps"][0]["counterexample"]
    assert rep["steps"][0]["verdict"] == "REFUTED" and c["point"]["theta"] < c["point"]["theta_0"]


def test_abs_and_not_equal_assumptions_are_used_in_proofs():
    front = "t: real\ns: real\nassume:\n  - t != s"
    assert marks(doc(front, r"|t - s| > 0", r"\frac{t^2 - s^2}{t - s} = t + s")) == ["PROVED", "PROVED"]


# --- implications, systems, equivalence -----------------------------------------------------------------
def test_first_order_condition_and_implication_to_the_solution():
    text = doc("p: positive\nq: positive\nD: (0, 1)",
               r"\frac{p}{D} - \frac{q}{1 - D} = 0", r"\Rightarrow p(1 - D) = q D", r"\Rightarrow D = \frac{p}{p + q}")
    assert marks(text) == ["GIVEN", "PROVED", "PROVED"]
    wrong = text.replace(r"D = \frac{p}{p + q}", r"D = \frac{q}{p + q}")
    assert marks(wrong) == ["GIVEN", "PROVED", "REFUTED"]


def test_a_system_in_two_unknowns():
    text = doc("a: real\nb: real", "a + b = 3, a - b = 1", r"\Rightarrow a = 2, b = 1")
    assert marks(text) == ["GIVEN", "PROVED"]
    assert marks(text.replace("b = 1 $$", "b = 2 $$")) == ["GIVEN", "REFUTED"]


def test_an_implication_that_fails_where_a_parameter_vanishes_is_not_proved():
    # a·x = a does not give x = 1 when a = 0 (SymPy's solvers ignore that case).
    assert marks(doc("a: real\nx: real", r"a x = a \Rightarrow x = 1")) == ["REFUTED"]
    assert marks(doc("b: positive\nx: real", r"b x = b \Rightarrow x = 1")) == ["PROVED"]


def test_equivalence_needs_both_directions():
    assert marks(doc("x: real", r"2x = 4 \iff x = 2")) == ["PROVED"]
    assert marks(doc("x: real", r"x^2 = 4 \iff x = 2")) == ["REFUTED"]  # x = -2
    assert marks(doc("x: positive", r"x^2 = 4 \iff x = 2")) == ["PROVED"]


def test_evaluation_at_a_solution_found_earlier():
    text = doc("p: positive\nq: positive\nD: (0, 1)",
               r"p (1 - D) = q D", r"\Rightarrow D = \frac{p}{p + q}",
               r"p \log D + q \log(1 - D) = p \log \frac{p}{p + q} + q \log \frac{q}{p + q}")
    assert marks(text) == ["GIVEN", "PROVED", "PROVED"]


# --- "= const", optima, limits, finite sets, matrices ----------------------------------------------
def test_equal_up_to_a_constant_in_the_parameters():
    front = r"\theta: real" + "\ny: real\nparameters: [theta]"
    assert marks(doc(front, r"(\theta - y)^2 = \theta^2 - 2 \theta y + \text{const}")) == ["PROVED"]
    assert marks(doc(front, r"(\theta - y)^2 = \theta^2 + \text{const}")) == ["REFUTED"]


def test_proportional_in_the_parameters():
    front = r"\theta: real" + "\ny: real\nparameters: [theta]"
    assert marks(doc(front, r"e^{-(y - \theta)^2 / 2} \propto e^{y \theta - \theta^2 / 2}")) == ["PROVED"]
    assert marks(doc(front, r"e^{-(y - \theta)^2 / 2} \propto e^{y \theta}")) == ["REFUTED"]


def test_argmin_and_min():
    front = r"\theta: real" + "\na: real"
    steps = (r"\arg\min_{\theta} (\theta - a)^2 = a", r"\min_{\theta} \left[(\theta - a)^2 + 1\right] = 1")
    assert marks(doc(front, *steps)) == ["PROVED", "PROVED"]
    assert marks(doc(front, r"\arg\min_{\theta} (\theta - a)^2 = 2a")) == ["REFUTED"]
    # A claimed minimum below the true one: no point beats it, the stationary point shows it.
    assert marks(doc(front, r"\min_{\theta} \left[(\theta - a)^2 + 1\right] = 0")) == ["REFUTED"]


def test_a_defined_function_is_used_inside_derivatives_and_optima():
    front = "\\theta: real\n\\theta_0: real\n\\lambda: positive\nL: function(theta) -> real"
    steps = (r"L(\theta) := (\theta - \theta_0)^2 + \lambda \theta^2",
             r"\frac{d}{d\theta} L(\theta) = 2(\theta - \theta_0) + 2 \lambda \theta",
             r"\arg\min_\theta L(\theta) = \frac{\theta_0}{1 + \lambda}",
             r"\min_\theta L(\theta) = \frac{\lambda \theta_0^2}{1 + \lambda}")
    assert marks(doc(front, *steps)) == ["GIVEN", "PROVED", "PROVED", "PROVED"]
    assert marks(doc(front, steps[0], r"\min_\theta L(\theta) = \frac{\theta_0^2}{1 + \lambda}")) == [
        "GIVEN", "REFUTED"]


def test_limits():
    front = r"\epsilon: positive"
    assert marks(doc(front, r"\lim_{\epsilon \to 0^+} \frac{\sin \epsilon}{\epsilon} = 1")) == ["PROVED"]
    assert marks(doc(front, r"\lim_{\epsilon \to 0^+} \frac{\sin \epsilon}{\epsilon} = 2")) == ["REFUTED"]


def test_sums_with_a_symbolic_bound():
    assert marks(doc("n: positive integer", r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}")) == ["PROVED"]
    assert marks(doc("n: positive integer", r"\sum_{i=1}^{n} i = \frac{n^2}{2}")) == ["REFUTED"]


def test_finite_set_domain_is_enumerated():
    assert marks(doc("b: {0, 1}", "b^2 = b")) == ["PROVED"]
    assert marks(doc("b: {0, 1}", "b^2 = 2 b")) == ["REFUTED"]


def test_matrix_identity_and_an_ill_typed_product():
    front = "A: matrix(n, 3)\nB: matrix(3, n)\nv: vector(3)"
    # ‖Av‖² ≥ 0 is beyond SymPy here: undecided, never refuted; its negation is refuted.
    assert marks(doc(front, r"(A B)^\top = B^\top A^\top", r"v^\top A^\top A v \ge 0", r"v^\top A^\top A v < 0")) \
        == ["PROVED", "UNDECIDED", "REFUTED"]
    rep = check(parse(doc(front, "A A = A")))
    assert rep["steps"][0]["verdict"] == "REFUTED" and "ill-typed" in rep["steps"][0]["message"]


def test_matrix_expansion_with_symbolic_shapes_is_proved():
    front = "X: matrix(n, d)\ny: vector(n)\nw: vector(d)\nI: identity(d)\n\\lambda: positive"
    right = r"\|y - X w\|^2 + \lambda \|w\|^2 = y^\top y - 2 w^\top X^\top y + w^\top (X^\top X + \lambda I) w"
    assert marks(doc(front, right)) == ["PROVED"]
    assert marks(doc(front, right.replace("- 2 w", "+ 2 w"))) == ["REFUTED"]  # wrong sign on the cross term


def test_explicit_matrices_in_a_block_and_a_sympy_refusal_is_an_error_not_a_traceback():
    assert marks(doc("x: real", r"\det \begin{bmatrix} 1 & 1 \\ 1 & -1 \end{bmatrix} = -2")) == ["PROVED"]
    rep = check(parse(doc("x: real", r"\det \begin{bmatrix} 1 & 1 \end{bmatrix} = 0")))
    assert rep["steps"][0]["verdict"] == "UNDECIDED" and "cannot read" in rep["steps"][0]["message"]


def test_matrix_identity_that_is_false_is_refuted():
    front = "A: matrix(3, 3)\nB: matrix(3, 3)"
    assert marks(doc(front, r"(A B)^\top = A^\top B^\top")) == ["REFUTED"]


def test_expectations_over_declared_densities():
    front = "x: real\np: density(x)\nq: density(x)"
    right = r"\mathbb{E}_{x \sim p}\left[\log \frac{p(x)}{q(x)}\right] = KL(p \| q)"
    assert marks(doc(front, right)) == ["PROVED"]
    assert marks(doc(front, right.replace(r"KL(p \| q)", r"KL(q \| p)"))) == ["REFUTED"]
    # E_p[1] = 1 needs the normalization of p.
    assert marks(doc(front, r"\mathbb{E}_{x \sim p}[2] = 2", r"\mathbb{E}_{x \sim p}[2] = 1")) == ["PROVED", "REFUTED"]


def test_normalization_is_used_only_over_the_whole_support():
    front = "x: real\np: density(x)"
    assert marks(doc(front, r"\int p(x) \, dx = 1", r"\int_0^1 p(x) \, dx = 1")) == ["PROVED", "REFUTED"]


def test_gibbs_inequality_kl_nonnegative_and_the_elbo_bound():
    front = "z: real\nq: density(z)\nr: density(z)\np_x: positive"
    elbo = r"\mathbb{E}_{z \sim q}\left[\log \frac{p_x r(z)}{q(z)}\right]"
    assert marks(doc(front, r"KL(q \| r) \ge 0", rf"\log p_x \ge {elbo}", r"JSD(q \| r) \ge 0")) == ["PROVED"] * 3
    assert marks(doc(front, r"KL(q \| r) \ge 1", rf"\log p_x \le {elbo}")) == ["REFUTED"] * 2


def test_conditional_densities_and_a_factorization_assumed():
    front = ("x: real\nz: real\nq(z|x): density(z)\np(z): density(z)\np(x|z): function(z) -> positive\n"
             "p(x, z): function(z) -> positive\nassume:\n  - p(x, z) = p(x|z) p(z)")
    elbo = r"\mathbb{E}_{z \sim q(z|x)}\left[\log \frac{p(x, z)}{q(z|x)}\right]"
    right = r"\mathbb{E}_{q(z \mid x)}[\log p(x|z)] - KL(q(z|x) \| p(z))"
    assert marks(doc(front, f"{elbo} = {right}")) == ["PROVED"]
    twice = r"\mathbb{E}_{q(z|x)}[\log p(x|z)] + \mathbb{E}_{q(z|x)}[\log p(z)] - KL(q(z|x) \| p(z))"
    assert marks(doc(front, f"{elbo} = {twice}")) == ["REFUTED"]  # the prior counted twice


def test_gaussian_expectations_are_exact():
    front = "x: real\n\\mu: real\n\\sigma: positive"
    assert marks(doc(front, r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[(x - \mu)^2] = \sigma^2")) == ["PROVED"]
    assert marks(doc(front, r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[x^2] = \sigma^2")) == ["REFUTED"]


# --- undecided, never wrong ----------------------------------------------------------------------------
def test_unreadable_step_is_undecided_with_line_and_column():
    rep = check(parse("---\nx: real\n---\n\n$$ x + $$\n"))
    s = rep["steps"][0]
    assert s["verdict"] == "UNDECIDED" and "line 5" in s["message"] and rep["status"] == "undecided"


def test_no_step_runs_past_its_limit():
    text = doc("x: positive\ny: positive", *[rf"\log (x^{{{k}}} y) = {k} \log x + \log y" for k in range(2, 8)])
    rep = check(parse(text), step_limit=0.3)
    for s in rep["steps"]:
        assert s["cpu_seconds"] <= 0.3 + 0.25, s
        assert s["verdict"] in ("PROVED", "UNDECIDED")


def test_a_step_that_would_run_forever_stops_at_its_limit(monkeypatch):
    from derivations.written import relations

    def spin(*args, **kwargs):
        while True:
            pass
    monkeypatch.setattr(relations, "prove_zero", spin)
    rep = check(parse(doc("x: positive", r"\log x^2 = 2 \log x", "x = x")), step_limit=0.5)
    for s in rep["steps"]:
        assert s["verdict"] == "UNDECIDED" and s["cpu_seconds"] < 0.5 + 0.3, s


# --- hostile input: a clear error, nothing runs ----------------------------------------------------------------
@pytest.fixture
def nothing_parses(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the LaTeX reader ran on refused input")
    monkeypatch.setattr(document.latex, "read", boom)


def test_a_ten_megabyte_file_is_refused(tmp_path, nothing_parses):
    f = tmp_path / "big.derivation.md"
    f.write_text("---\nx: real\n---\n" + "$$ x = x $$\n" * 900_000)
    assert f.stat().st_size > 10_000_000
    with pytest.raises(DocumentError, match="bytes"):
        document.load(f)


def test_braces_nested_ten_thousand_deep_are_refused(nothing_parses):
    with pytest.raises(DocumentError, match="nested"):
        parse("---\nx: real\n---\n$$ " + "{" * 10_000 + "x" + "}" * 10_000 + " $$\n")


def test_input_is_refused(nothing_parses):
    with pytest.raises(DocumentError, match=r"\\input"):
        parse("---\nx: real\n---\n$$ \\input{/etc/passwd} $$\n")


def test_import_in_a_symbol_name_is_refused(nothing_parses):
    with pytest.raises(DocumentError, match="not a symbol name"):
        parse("---\n__import__: real\n---\n$$ 1 = 1 $$\n")


def test_front_matter_is_yaml_safe_load():
    with pytest.raises(DocumentError, match="YAML|mapping|symbol"):
        parse("---\n!!python/object/apply:os.system ['echo hi']\n---\n$$ 1 = 1 $$\n")


# --- command line and JSON ----------------------------------------------------------------------------------
def run_cli(*args: str) -> tuple[int, str, str]:
    from derivations.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", *args])
    return code, out.getvalue(), err.getvalue()


def test_cli_exit_codes_and_json_schema(tmp_path):
    good = tmp_path / "good.derivation.md"
    good.write_text(doc("x: real", "(x + 1)^2 = x^2 + 2x + 1", "= x^2 + 2x + 1"))
    bad = tmp_path / "bad.derivation.md"
    bad.write_text(doc("x: real", "(x + 1)^2 = x^2 + 1"))
    unsure = tmp_path / "unsure.derivation.md"
    unsure.write_text(doc("x: real", r"x \approx x"))
    assert run_cli(str(good))[0] == 0
    code, out, _ = run_cli(str(bad), "--json")
    rep = json.loads(out)
    assert code == 1 and rep["schema"] == SCHEMA and rep["first_wrong_step"] == 1
    assert set(rep) >= {"file", "status", "counts", "steps", "seed", "seconds"}
    step = rep["steps"][0]
    assert set(step) >= {"index", "line", "column", "latex", "reason", "prose", "verdict", "message", "links",
                         "counterexample", "depends_on", "cpu_seconds"}
    assert math.isfinite(step["counterexample"]["lhs"])
    assert run_cli(str(unsure))[0] == 0 and run_cli(str(unsure), "--strict")[0] == 1
    code, _, err = run_cli(str(tmp_path / "missing.derivation.md"))
    assert code == 2 and "cannot read" in err
