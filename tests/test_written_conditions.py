r"""A step's own condition ("for x > 0", "\forall x > 0:", ", x \in (0, 1)") restricts only that step's domain;
an approximation (\approx) is never proved and never refuted."""

from __future__ import annotations

import pytest

from derivations.written.check import check
from derivations.written.conditions import split
from derivations.written.document import parse


def doc(front: str, *blocks: str) -> str:
    return "---\n" + front.strip() + "\n---\n\n" + "\n\n".join(f"$$ {b} $$" for b in blocks) + "\n"


def marks(front: str, *blocks: str) -> list[str]:
    return [s["verdict"] for s in check(parse(doc(front, *blocks)))["steps"]]


# sqrt(x²) = x holds exactly for x ≥ 0: on the declared reals it is false (x = -1).
TRUE_ONLY_FOR_X_NONNEGATIVE = r"\sqrt{x^2} = x"


def test_without_a_condition_the_step_is_checked_on_the_whole_declared_domain():
    assert marks("x: real", TRUE_ONLY_FOR_X_NONNEGATIVE) == ["REFUTED"]


@pytest.mark.parametrize("written", [
    TRUE_ONLY_FOR_X_NONNEGATIVE + r" \quad \text{for } x > 0",
    TRUE_ONLY_FOR_X_NONNEGATIVE + r" \quad \text{for all } x \ge 0",
    r"\forall x > 0:\; " + TRUE_ONLY_FOR_X_NONNEGATIVE,
    TRUE_ONLY_FOR_X_NONNEGATIVE + r", \quad x \in (0,1)",
    TRUE_ONLY_FOR_X_NONNEGATIVE + r" \qquad \forall x \in [0, \infty)",
    TRUE_ONLY_FOR_X_NONNEGATIVE + r" \quad \text{if } 0 < x < 3",
])
def test_a_step_true_under_its_condition_is_proved(written):
    assert marks("x: real", written) == ["PROVED"]


@pytest.mark.parametrize("condition", [r"\text{for } x < 0", r"\text{for } x \le 1", r"\forall x \in (-1, 1)"])
def test_a_step_false_somewhere_under_its_condition_is_refuted_there(condition):
    rep = check(parse(doc("x: real", TRUE_ONLY_FOR_X_NONNEGATIVE + r" \quad " + condition)))
    step = rep["steps"][0]
    assert step["verdict"] == "REFUTED"
    x = step["counterexample"]["point"]["x"]
    assert x < 0 and x <= 1  # inside the condition: the declared domain intersected with it
    assert step["conditions"]


def test_a_not_equal_condition_and_an_absolute_value_are_split_together():
    # x ≠ 0 splits into x < 0 and x > 0; |x| is then a sign in each case.
    assert marks("x: real", r"\log(x^2) = 2 \log |x| \quad \text{for } x \ne 0") == ["PROVED"]
    assert marks("x: real", r"\log(x^2) = 2 \log x \quad \text{for } x \ne 0") == ["REFUTED"]


def test_a_condition_never_widens_the_declared_domain():
    # declared x ∈ (0, 1); "for x > -5" adds nothing, and x² < x holds on (0, 1).
    assert marks("x: (0, 1)", r"x^2 < x \quad \text{for } x > -5") == ["PROVED"]
    assert marks("x: (0, 1)", r"x^2 > x \quad \text{for } x > -5") == ["REFUTED"]


def test_conditions_on_several_symbols_and_general_relations():
    front = "x: real\ny: real"
    assert marks(front, r"\sqrt{x^2 y^2} = x y \quad \text{for } x > 0 \text{ and } y > 0") == ["PROVED"]
    assert marks(front, r"\forall x, y > 0:\; \sqrt{x^2 y^2} = x y") == ["PROVED"]
    # x + y > 0 does not make both positive: x = 2, y = -1 is a counterexample inside the condition.
    rep = check(parse(doc(front, r"\sqrt{x^2 y^2} = x y \quad \text{for } x + y > 0")))
    point = rep["steps"][0]["counterexample"]["point"]
    assert rep["steps"][0]["verdict"] == "REFUTED" and point["x"] + point["y"] > 0


def test_the_condition_restricts_only_its_own_step():
    # Step 2 continues from step 1 without a condition: x = |x| is checked on all reals and fails at x < 0.
    assert marks("x: real", r"\sqrt{x^2} = x \quad \text{for } x \ge 0", r"= |x|") == ["PROVED", "REFUTED"]
    assert marks("x: real", r"\sqrt{x^2} = x \quad \text{for } x \ge 0", r"= |x| \quad \text{for } x \ge 0") == [
        "PROVED", "PROVED"]


def test_a_condition_that_leaves_no_point_is_undecided_never_a_vacuous_pass():
    rep = check(parse(doc("x: (0, 1)", r"x^2 > 5 \quad \text{for } x > 2")))
    assert rep["steps"][0]["verdict"] == "UNDECIDED" and "nothing to check" in rep["steps"][0]["message"]


def test_an_unreadable_condition_is_an_error_with_its_position():
    rep = check(parse(doc("x: real", r"x^2 \ge 0 \quad \text{for } z > 0")))
    step = rep["steps"][0]
    assert step["verdict"] == "UNDECIDED" and "unknown symbol 'z'" in step["message"]
    assert "line 5, column" in step["message"]
    rep = check(parse(doc("x: real", r"x^2 \ge 0 \quad \text{for } x")))
    assert "needs a relation" in rep["steps"][0]["message"]


def test_a_system_of_equations_or_a_thin_space_is_not_mistaken_for_a_condition():
    assert split("x + y = 1, x - y = 0") == ("x + y = 1, x - y = 0", [])
    chain = r"s t \le |s| \, |t| \le |t|"
    assert split(chain) == (chain, [])
    assert marks("a: real\nb: real", "a + b = 3, a - b = 1", r"\Rightarrow a = 2, b = 1") == ["GIVEN", "PROVED"]


def test_a_condition_on_a_variable_the_step_integrates_over_is_undecided():
    rep = check(parse(doc("x: real", r"\int_{-1}^{1} |x| \, dx = 1 \quad \text{for } x > 0")))
    assert rep["steps"][0]["verdict"] == "UNDECIDED" and "bound variable" in rep["steps"][0]["message"]


@pytest.mark.parametrize("claim", [r"\sin x \approx x", r"x \approx x", r"1 \approx 100", r"e^x \approx 1 + x"])
def test_an_approximation_is_undecided_never_proved_nor_refuted(claim):
    rep = check(parse(doc("x: real", claim)))
    assert rep["steps"][0]["verdict"] == "UNDECIDED"
    assert "approximation" in rep["steps"][0]["message"] and "not checked" in rep["steps"][0]["message"]


def test_an_approximation_inside_a_chain_does_not_pass_as_an_equality():
    rep = check(parse(doc("x: real", r"(x + 1)^2 = x^2 + 2x + 1 \approx 2x + 1")))
    assert rep["steps"][0]["verdict"] == "UNDECIDED" and rep["status"] == "undecided"
    assert rep["lines"][0]["relation"] == "approx"


def test_the_text_report_shows_the_condition_a_step_was_checked_under():
    from derivations.written.report import text

    rep = check(parse(doc("x: real", TRUE_ONLY_FOR_X_NONNEGATIVE + r" \quad \text{for } x > 0")))
    assert rep["steps"][0]["conditions"] == ["x > 0"]
    assert "under: x > 0" in text(rep)


@pytest.mark.parametrize("written", [r"\frac{x^2 - 1}{x - 1} = x + 1 \quad (x \neq 1)",
                                     r"\frac{x^2 - 1}{x - 1} = x + 1 \qquad \left(x \ne 1\right)"])
def test_a_parenthesized_condition_after_a_quad(written):
    assert marks("x: real", written) == ["PROVED"]
    assert split(written)[1]


def test_an_order_condition_between_two_symbols_is_used_in_the_proof():
    front = "t: real\ns: real"
    assert marks(front, r"|t - s| = t - s \quad \text{for } t > s") == ["PROVED"]
    assert marks(front, r"|t - s| = s - t \quad \text{for all } t \le s") == ["PROVED"]
    assert marks(front, r"|t - s| = s - t \quad \text{for } t > s") == ["REFUTED"]
    # the same through the front matter's assume:
    assert marks(front + "\nassume:\n  - t > s", r"|t - s| = t - s") == ["PROVED"]
    assert marks(front, r"|t - s| = t - s") == ["REFUTED"]


# --- an inequality before ⇒ is a condition, not a claim ----------------------------------------------
def test_an_inequality_stated_before_an_implication_is_given_not_checked():
    # x > 1 is false on the reals (x = 0): as a premise it is a condition, never refuted.
    assert marks("x: real", r"x > 1", r"\Rightarrow x^2 > 1") == ["GIVEN", "PROVED"]
    assert marks("x: real", r"x > 1 \Rightarrow x^2 > 1") == ["PROVED"]


@pytest.mark.parametrize(("front", "step", "expected"), [
    ("x: real", r"x > 1 \Rightarrow x^2 > x", "PROVED"),
    ("x: real", r"x > 1 \Rightarrow x^2 < x", "REFUTED"),
    ("x: real", r"0 < x < 1 \Rightarrow x^2 < x", "PROVED"),
    ("x: real\ny: real", r"x > y \Rightarrow |x - y| = x - y", "PROVED"),
    ("x: real\ny: real", r"x > y \Rightarrow |x - y| = y - x", "REFUTED"),
])
def test_the_conclusion_of_an_inequality_premise_is_checked_where_the_premise_holds(front, step, expected):
    assert marks(front, step) == [expected]


def test_a_refuted_conclusion_has_its_counterexample_inside_the_premise():
    rep = check(parse(doc("x: real", r"x \ge -1", r"\Rightarrow \sqrt{x^2} = x")))
    step = rep["steps"][1]
    assert step["verdict"] == "REFUTED" and -1 <= step["counterexample"]["point"]["x"] < 0


def test_a_further_implication_does_not_inherit_the_premise_silently():
    verdicts = marks("x: real", r"x \ge 0 \Rightarrow \sqrt{x^2} = x", r"\Rightarrow x = \sqrt{x^2}")
    assert verdicts[0] == "PROVED" and verdicts[1] != "PROVED"


def test_a_condition_on_a_finite_set_keeps_the_values_that_satisfy_it():
    front = 'x: "{-1, 0, 1}"'
    assert marks(front, r"x^2 = x \quad \text{for } x \ge 0") == ["PROVED"]  # 0 and 1
    assert marks(front, r"x^2 = x") == ["REFUTED"]  # -1
    assert marks(front, r"x^2 = x \quad \text{for } x \ge 0 \text{ and } x \le 0") == ["PROVED"]  # only 0
    assert marks(front, r"x^2 = 1 \quad \text{for } x \ge 0 \text{ and } x \le 0") == ["REFUTED"]


def test_a_condition_that_leaves_a_single_real_point_is_undecided():
    rep = check(parse(doc("x: real", r"x^2 = 4 \quad \text{for } x \ge 2 \text{ and } x \le 2")))
    assert rep["steps"][0]["verdict"] == "UNDECIDED" and "single point" in rep["steps"][0]["message"]
