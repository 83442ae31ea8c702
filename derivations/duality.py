"""GANs and duality: the logistic discriminator, its convexity, and its Lagrange dual.

The discriminator is logistic, p_w(y=1|x) = 1/(1 + exp(wᵀx)), trained with an
L2 penalty. Its loss is a sum of softplus terms plus (c/2)‖w‖²; it is convex
for c ≥ 0; splitting off the logits y = wᵀx with multipliers λ turns the
minimization into two conjugates (a quadratic's and softplus's, whose value is
a binary entropy), and hence into the dual function g(λ).

The symbolic steps work on the smallest instance that shows every term: one
data point x and one generated point G(z) in ℝ², with symbolic coordinates.
The closed forms below are written for any number of points and any dimension
(vectors as SymPy column matrices or sequences), so the numeric checks can
solve the primal and the dual on larger instances.

References:
    Boyd & Vandenberghe, Convex Optimization, Cambridge 2004: ch. 3 (§3.1.4 second-order
        conditions, §3.3 the conjugate function), ch. 4 (equivalent problems: introducing
        equality constraints), ch. 5 (§5.1 the Lagrange dual function, §5.2.3 Slater's
        condition and strong duality, §5.5.3 KKT conditions).
    Cover & Thomas, Elements of Information Theory, 2nd ed. 2006, §2.1 (binary entropy).
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from derivations.claims import (
    PREV,
    Definition,
    Equal,
    Holds,
    LimitIs,
    Minimizer,
    PositiveSemidefinite,
)
from derivations.domains import NONNEGATIVE, POSITIVE, REALS, UNIT, Declarations
from derivations.engine import Result, Step
from derivations.functions import sigmoid, softplus
from derivations.planted import Planted, flip_sign, on, replace, scale, shift
from derivations.registry import register
from derivations.theory import Arg, takes

Vector = sp.Matrix | Sequence[sp.Basic]
#: Where the softplus conjugate is finite and attained: −1 < λ < 0.
MULTIPLIERS = sp.Interval.open(-1, 0)


# --- closed forms (one source of truth for the steps and the numeric checks) ---
def _col(v: Vector) -> sp.Matrix:
    return sp.Matrix(list(v))


def dot(u: Vector, v: Vector) -> sp.Basic:
    """uᵀv.

    Args:
        u: a vector (a list of expressions or a column matrix).
        v: a vector of the same length.

    Returns:
        The scalar Σ_i u_i v_i.

    >>> dot([1, 2], [3, 4])
    11
    """
    return (_col(u).T * _col(v))[0]


@takes(Arg("s", REALS, bounds=(-30.0, 30.0)))
def discriminator_probability(s: sp.Basic) -> sp.Basic:
    """p_w(y=1|x) = 1/(1 + exp(s)) with s = wᵀx (args: s)."""
    return 1 / (1 + sp.exp(s))


@takes(Arg("s", REALS, bounds=(-30.0, 30.0)))
def real_term(s: sp.Basic) -> sp.Basic:
    """−log p_w(y=1|x) = softplus(s), s = wᵀx (args: s)."""
    return softplus(s)


@takes(Arg("s", REALS, bounds=(-30.0, 30.0)))
def fake_term(s: sp.Basic) -> sp.Basic:
    """−log(1 − p_w(y=1|G(z))) = softplus(s) − s, s = wᵀG(z) (args: s)."""
    return softplus(s) - s


@takes(Arg("w", REALS, size="d"), Arg("xs", REALS, shape=("m", "d"), container="cols"),
       Arg("gs", REALS, shape=("k", "d"), container="cols"), Arg("c", POSITIVE), d=2, m=2, k=2)
def discriminator_objective(w: Vector, xs: Sequence[Vector], gs: Sequence[Vector], c: sp.Basic) -> sp.Basic:
    """J(w) = Σ_x softplus(wᵀx) + Σ_z [softplus(wᵀG(z)) − wᵀG(z)] + (c/2)‖w‖² (args: w, xs, gs, c)."""
    return (sum((real_term(dot(w, x)) for x in xs), sp.Integer(0))
            + sum((fake_term(dot(w, g)) for g in gs), sp.Integer(0))
            + c / 2 * dot(w, w))


@takes(Arg("a", REALS, size="d"), Arg("b", REALS, size="d"), Arg("c", POSITIVE))
def quadratic(a: Vector, b: Vector, c: sp.Basic) -> sp.Basic:
    """(c/2)‖a‖² − aᵀb (args: a, b, c)."""
    return c / 2 * dot(a, a) - dot(a, b)


@takes(Arg("a", REALS, size="d"), Arg("b", REALS, size="d"))
def logistic_hessian(a: Vector, b: Vector) -> sp.Matrix:
    """∇²_a log(1 + exp(aᵀb)) = σ(aᵀb)(1 − σ(aᵀb)) b bᵀ (args: a, b)."""
    s = sigmoid(dot(a, b))
    return s * (1 - s) * _col(b) * _col(b).T


@takes(Arg("b", REALS, size="d"), Arg("c", POSITIVE))
def quadratic_minimizer(b: Vector, c: sp.Basic) -> sp.Matrix:
    """w* = b/c = argmin_w (c/2)‖w‖² − wᵀb, c > 0 (args: b, c)."""
    return _col(b) / c


@takes(Arg("b", REALS, size="d"), Arg("c", POSITIVE))
def quadratic_min_value(b: Vector, c: sp.Basic) -> sp.Basic:
    """min_w (c/2)‖w‖² − wᵀb = −‖b‖²/(2c), c > 0 (args: b, c)."""
    return -dot(b, b) / (2 * c)


@takes(Arg("lambda", sp.Interval.open(-1, 0)))
def softplus_conjugate_minimizer(lam: sp.Basic) -> sp.Basic:
    """y* = log(−λ/(1+λ)) = argmin_y softplus(y) + λy, −1 < λ < 0 (args: λ)."""
    return sp.log(-lam / (1 + lam))


@takes(Arg("lambda", sp.Interval.open(-1, 0)))
def softplus_conjugate_value(lam: sp.Basic) -> sp.Basic:
    """min_y softplus(y) + λy = −(1+λ)log(1+λ) + λ log(−λ), −1 < λ < 0 (args: λ)."""
    return -(1 + lam) * sp.log(1 + lam) + lam * sp.log(-lam)


@takes(Arg("p", UNIT))
def binary_entropy(p: sp.Basic) -> sp.Basic:
    """H_b(p) = −p log p − (1−p) log(1−p), 0 < p < 1, in nats (args: p)."""
    return -p * sp.log(p) - (1 - p) * sp.log(1 - p)


def _dual_direction(lams_x: Sequence[sp.Basic], lams_z: Sequence[sp.Basic],
                    xs: Sequence[Vector], gs: Sequence[Vector]) -> sp.Matrix:
    """Σ_x λ_x x + Σ_z (1+λ_z) G(z): the vector b of the quadratic conjugate."""
    terms = [lx * _col(x) for lx, x in zip(lams_x, xs, strict=True)]
    terms += [(1 + lz) * _col(g) for lz, g in zip(lams_z, gs, strict=True)]
    return sum(terms[1:], terms[0])


@takes(Arg("lams_x", sp.Interval.open(-1, 0), size="m"), Arg("lams_z", sp.Interval.open(-1, 0), size="k"),
       Arg("xs", REALS, shape=("m", "d"), container="cols"), Arg("gs", REALS, shape=("k", "d"), container="cols"),
       Arg("c", POSITIVE), d=2, m=2, k=2)
def optimal_weights(lams_x: Sequence[sp.Basic], lams_z: Sequence[sp.Basic],
                    xs: Sequence[Vector], gs: Sequence[Vector], c: sp.Basic) -> sp.Matrix:
    """w*(λ) = (1/c)(Σ_x λ_x x + Σ_z (1+λ_z) G(z)) (args: lams_x, lams_z, xs, gs, c)."""
    return quadratic_minimizer(_dual_direction(lams_x, lams_z, xs, gs), c)


@takes(Arg("lams_x", sp.Interval.open(-1, 0), size="m"), Arg("lams_z", sp.Interval.open(-1, 0), size="k"),
       Arg("xs", REALS, shape=("m", "d"), container="cols"), Arg("gs", REALS, shape=("k", "d"), container="cols"),
       Arg("c", POSITIVE), d=2, m=2, k=2)
def dual_function(lams_x: Sequence[sp.Basic], lams_z: Sequence[sp.Basic],
                  xs: Sequence[Vector], gs: Sequence[Vector], c: sp.Basic) -> sp.Basic:
    """g(λ) = −‖Σ_x λ_x x + Σ_z (1+λ_z) G(z)‖²/(2c) + Σ H_b(−λ_x) + Σ H_b(−λ_z), λ ∈ (−1,0)
    (args: lams_x, lams_z, xs, gs, c)."""
    entropies = sum((binary_entropy(-lam) for lam in (*lams_x, *lams_z)), sp.Integer(0))
    return quadratic_min_value(_dual_direction(lams_x, lams_z, xs, gs), c) + entropies


def _vector(decl: Declarations, name: str, domain: sp.Interval = REALS) -> sp.Matrix:
    """A column vector in ℝ² with declared symbolic coordinates name_1, name_2."""
    return sp.Matrix([decl.symbol(f"{name}_{i}", domain) for i in (1, 2)])


def _hessian(f: sp.Basic, variables: Sequence[sp.Symbol]) -> sp.Matrix:
    """The Hessian as a matrix of unevaluated second derivatives (the engine evaluates them)."""
    n = len(variables)
    return sp.Matrix(n, n, lambda i, j: sp.Derivative(f, variables[i], variables[j]))


def _gradient(f: sp.Basic, variables: Sequence[sp.Symbol]) -> sp.Matrix:
    return sp.Matrix([sp.Derivative(f, v) for v in variables])


def _vec(symbols: Mapping[str, sp.Basic], name: str) -> sp.Matrix:
    """The declared vector (name_1, name_2) of a derivation, read from its symbols (for its planted errors)."""
    return sp.Matrix([symbols[f"{name}_{i}"] for i in (1, 2)])


def _t(symbols: Mapping[str, sp.Basic]) -> sp.Basic:
    """t = wᵀG(z) of duality.logistic_discriminator, from its declared symbols."""
    return dot(_vec(symbols, "w"), _vec(symbols, "G"))


# --- duality.logistic_discriminator ------------------------------------------------
def _logistic_discriminator() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    w, x, g = _vector(decl, "w"), _vector(decl, "x"), _vector(decl, "G")
    c = decl.symbol("c", NONNEGATIVE)
    s, t = dot(w, x), dot(w, g)  # the logits wᵀx and wᵀG(z)
    p = discriminator_probability
    objective = -sp.log(p(s)) - sp.log(1 - p(t)) + c / 2 * dot(w, w)
    steps = [
        Step("the logistic discriminator, with the catalog's sign convention p_w(y=1|x) = σ(−wᵀx); "
             "instance: x, w, G(z) in ℝ² with symbolic coordinates",
             Definition(sp.Symbol(r"p_{w}(y=1 \mid x)"), p(s))),
        Step("−log(1/u) = log u", Equal(-sp.log(p(s)), sp.log(1 + sp.exp(s)))),
        Step("definition of softplus", Equal(PREV, real_term(s)), label="real"),
        Step("put 1 − 1/(1+e^t) over the common denominator, t = wᵀG(z)",
             Equal(1 - p(t), sp.exp(t) / (1 + sp.exp(t))), label="1 − D*"),
        Step("log of a quotient, log e^t = t", Equal(-sp.log(sp.exp(t) / (1 + sp.exp(t))), sp.log(1 + sp.exp(t)) - t),
             label="log of a quotient"),
        Step("definition of softplus", Equal(PREV, fake_term(t)), label="fake"),
        Step("the regularized discriminator objective: negative log-likelihood of the data points as "
             "y = 1 and of the generated points as y = 0, plus (c/2)‖w‖² (one x and one G(z))",
             Definition(sp.Symbol("J(w)"), objective)),
        Step("substitute the two terms (steps 3 and 6)",
             Equal(objective, discriminator_objective(w, [x], [g], c)), label="objective"),
    ]
    return decl, steps


register(Result(
    id="duality.logistic_discriminator",
    title="The logistic discriminator's loss in softplus form",
    statement="With p_w(y=1|x) = 1/(1+exp(wᵀx)): −log p_w(y=1|x) = softplus(wᵀx), −log(1 − p_w(y=1|G(z))) = "
              "softplus(wᵀG(z)) − wᵀG(z); the objective is Σ_x softplus(wᵀx) + Σ_z [softplus(wᵀG(z)) − wᵀG(z)] "
              "+ (c/2)‖w‖².",
    build=_logistic_discriminator,
    conclusion="objective",
    formulas={"p_w": discriminator_probability, "real_term": real_term, "fake_term": fake_term,
              "objective": discriminator_objective},
    planted=(
        Planted("real", "sign flip: −softplus(wᵀx)", flip_sign()),
        Planted("1 − D*", "confused p and 1 − p: 1 − p_w = 1/(1+e^t)", replace(lambda s: 1 / (1 + sp.exp(_t(s))))),
        Planted("log of a quotient", "sign flip of the linear term: log(1+e^t) + t",
                replace(lambda s: sp.log(1 + sp.exp(_t(s))) + _t(s))),
        Planted("objective", "dropped factor 1/2 in the regularizer: c‖w‖²",
                replace(lambda s: discriminator_objective(_vec(s, "w"), [_vec(s, "x")], [_vec(s, "G")], 2 * s["c"]))),
    ),
))


# --- duality.convexity ---------------------------------------------------------------
def _convexity() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    a, b = _vector(decl, "a"), _vector(decl, "b")
    c = decl.symbol("c", NONNEGATIVE)
    c_neg = decl.symbol("c_-", sp.Interval.open(-sp.oo, 0))
    w, x, g = _vector(decl, "w"), _vector(decl, "x"), _vector(decl, "G")
    v = _vector(decl, "v")
    q = quadratic(a, b, c)
    q_neg = quadratic(a, b, c_neg)
    ell = sp.log(1 + sp.exp(dot(a, b)))
    s, t = dot(w, x), dot(w, g)
    hess_j = logistic_hessian(w, x) + logistic_hessian(w, g) + c * sp.eye(2)
    form = (sigmoid(s) * (1 - sigmoid(s)) * dot(v, x) ** 2 + sigmoid(t) * (1 - sigmoid(t)) * dot(v, g) ** 2
            + c * dot(v, v))  # vᵀ∇²J v, term by term
    steps = [
        Step("the regularizer with a linear term, c ≥ 0 (a, b ∈ ℝ²)", Definition(sp.Symbol("q(a)"), q)),
        Step("differentiate twice: the linear term drops out", Equal(_hessian(q, list(a)), c * sp.eye(2)),
             label="differentiate twice"),
        Step("cI ⪰ 0 for c ≥ 0: q is convex (second-order condition)",
             PositiveSemidefinite(sp.Symbol(r"\nabla^{2} q"), c * sp.eye(2)), label="quadratic convex"),
        Step("conversely, for c₋ < 0 the second derivative along e₁ = (1, 0) is c₋",
             Equal(sp.Derivative(q_neg, a[0], 2), c_neg), label="conversely"),
        Step("it is negative, so ∇²q = c₋I is not positive semidefinite", Holds(PREV, "<", 0)),
        Step("and q is not convex: its value at a exceeds the mean of its values at a ± e₁ (by −c₋/2)",
             Holds(q_neg, ">", (q_neg.subs({a[0]: a[0] + 1}) + q_neg.subs({a[0]: a[0] - 1})) / 2,
                   witness=-c_neg / 2), label="quadratic not convex"),
        Step("the logistic term (a, b ∈ ℝ²)", Definition(sp.Symbol(r"\ell(a)"), ell)),
        Step("definition of softplus", Equal(PREV, softplus(dot(a, b)))),
        Step("chain rule: softplus' = σ, ∂(aᵀb)/∂a = b",
             Equal(_gradient(softplus(dot(a, b)), list(a)), sigmoid(dot(a, b)) * b), label="chain rule"),
        Step("differentiate the gradient once more, σ' = σ(1−σ)",
             Equal(sp.Matrix(2, 2, lambda i, j: sp.Derivative(sigmoid(dot(a, b)) * b[i], a[j])),
                   logistic_hessian(a, b))),
        Step("0 < σ < 1 and bbᵀ ⪰ 0: ℓ is convex in a",
             PositiveSemidefinite(sp.Symbol(r"\nabla^{2} \ell"), logistic_hessian(a, b)), label="logistic convex"),
        Step("the objective of duality.logistic_discriminator (one x, one G(z)): Hessians add, and the "
             "linear term −wᵀG(z) contributes 0",
             Equal(_hessian(discriminator_objective(w, [x], [g], c), list(w)), hess_j),
             label="logistic objective"),
        Step("its quadratic form at any v ∈ ℝ²", Equal((v.T * hess_j * v)[0], form)),
        Step("each term is ≥ 0 (0 < σ < 1, c ≥ 0): vᵀ∇²J v ≥ 0 for every v, so the Hessian is positive "
             "semidefinite and the objective is convex in w",
             Holds(form, ">=", 0), label="objective convex"),
    ]
    return decl, steps


register(Result(
    id="duality.convexity",
    title="Convexity of the regularized logistic objective",
    statement="(c/2)‖a‖² − aᵀb has Hessian cI (convex iff c ≥ 0); log(1+exp(aᵀb)) has Hessian "
              "σ(aᵀb)(1−σ(aᵀb))bbᵀ ⪰ 0; hence the discriminator objective is convex in w for c ≥ 0.",
    build=_convexity,
    uses=("duality.logistic_discriminator",),
    conclusion="objective convex",
    formulas={"quadratic": quadratic, "logistic_hessian": logistic_hessian},
    planted=(
        Planted("differentiate twice", "dropped factor: Hessian cI/2", scale(sp.Rational(1, 2))),
        Planted("conversely", "sign flip: second derivative −c₋", flip_sign()),
        Planted("chain rule",
                "swapped arguments: gradient σ(aᵀb)·a",
                on(None, lambda m, s: m.subs(dict(zip(_vec(s, "b"), _vec(s, "a"), strict=True))))),
        Planted("logistic convex", "sign flip of the logistic Hessian", flip_sign()),
        Planted("logistic objective",
                "dropped the regularizer's cI from the objective's Hessian",
                on(None, lambda m, s: m - s["c"] * sp.eye(2))),
    ),
))


# --- duality.conjugates --------------------------------------------------------------
def _conjugates() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    w, b = _vector(decl, "w"), _vector(decl, "b")
    c = decl.symbol("c", POSITIVE)
    lam = decl.symbol("lambda", MULTIPLIERS)
    y = decl.symbol("y", REALS)
    lam_pos = decl.symbol("lambda_+", POSITIVE)
    kappa = decl.symbol("kappa", POSITIVE)
    f = quadratic(w, b, c)
    w_star = quadratic_minimizer(b, c)
    phi = softplus(y) + lam * y
    y_star = softplus_conjugate_minimizer(lam)
    log1pexp = sp.log(1 + sp.exp(y))
    steps = [
        Step("the quadratic, c > 0 (w, b ∈ ℝ²)", Definition(sp.Symbol("f(w)"), f)),
        Step("its gradient", Equal(_gradient(f, list(w)), c * w - b)),
        Step("the gradient vanishes at w* = b/c and the Hessian cI is ⪰ 0 (≻ 0: unique)",
             Minimizer(f, tuple(w), tuple(w_star)), label="w*"),
        Step("the minimum value", Equal(sp.Subs(f, tuple(w), tuple(w_star)), quadratic_min_value(b, c)),
             label="quadratic value"),
        Step("softplus plus a linear term, −1 < λ < 0", Definition(sp.Symbol(r"\varphi_{\lambda}(y)"), phi)),
        Step("softplus' = σ", Equal(sp.Derivative(phi, y), sigmoid(y) + lam)),
        Step("σ' = σ(1−σ)", Equal(sp.Derivative(phi, (y, 2)), sigmoid(y) * (1 - sigmoid(y)))),
        Step("0 < σ < 1: φ_λ is strictly convex", Holds(PREV, ">", 0)),
        Step("σ(y*) = −λ ∈ (0, 1) solves φ_λ'(y*) = 0 at y* = log(−λ/(1+λ))",
             Equal(sp.Subs(sigmoid(y) + lam, y, y_star), 0)),
        Step("a strictly convex function's stationary point is its unique minimizer",
             Minimizer(phi, (y,), (y_star,)), label="y*"),
        Step("the minimum value: softplus(y*) = −log(1+λ)",
             Equal(sp.Subs(phi, y, y_star), softplus_conjugate_value(lam)), label="softplus value"),
        Step("this is the binary entropy of −λ", Equal(softplus_conjugate_value(lam), binary_entropy(-lam))),
        Step("for λ = λ₊ > 0 the infimum is −∞: let y → −∞ (softplus → 0, λy → −∞)",
             LimitIs(log1pexp + lam_pos * y, y, -sp.oo, -sp.oo), label="λ = λ₊"),
        Step("for λ = −1 − κ < −1 the infimum is −∞: let y → +∞ (softplus(y) − y → 0, −κy → −∞)",
             LimitIs(log1pexp - (1 + kappa) * y, y, sp.oo, -sp.oo)),
        Step("for λ = 0: softplus(y) > 0 for every y …", Holds(softplus(y), ">", 0)),
        Step("… and → 0 as y → −∞: the infimum 0 is not attained", LimitIs(log1pexp, y, -sp.oo, 0)),
        Step("for λ = −1: softplus(y) − y = softplus(−y) > 0 …",
             Holds(softplus(y) - y, ">", 0, witness=softplus(-y))),
        Step("… and → 0 as y → +∞: the infimum 0 is not attained", LimitIs(log1pexp - y, y, sp.oo, 0)),
    ]
    return decl, steps


register(Result(
    id="duality.conjugates",
    title="The two conjugates: a quadratic's and softplus's",
    statement="For c > 0: min_w (c/2)‖w‖² − wᵀb = −‖b‖²/(2c) at w* = b/c. For −1 < λ < 0: "
              "min_y softplus(y) + λy = −(1+λ)log(1+λ) + λ log(−λ) = H_b(−λ) at y* = log(−λ/(1+λ)); "
              "for λ outside (−1,0) the infimum is −∞ (λ < −1, λ > 0) or 0 and not attained (λ = −1, 0).",
    build=_conjugates,
    conclusion="softplus value",
    formulas={"w*": quadratic_minimizer, "quadratic_value": quadratic_min_value,
              "y*": softplus_conjugate_minimizer, "softplus_value": softplus_conjugate_value,
              "H_b": binary_entropy},
    planted=(
        Planted("w*", "dropped factor 1/c: w* = b", on("point", lambda pt, s: tuple(p * s["c"] for p in pt))),
        Planted("quadratic value", "sign flip: +‖b‖²/(2c)", flip_sign()),
        Planted("y*", "swapped ratio: y* = log((1+λ)/(−λ))", on("point", lambda pt: (-pt[0],))),
        Planted("softplus value", "wrong constant: an extra log 2", shift(sp.log(2))),
        Planted("λ = λ₊", "wrong limit: +∞ for λ > 0", replace(sp.oo)),
    ),
))


# --- duality.dual_program ------------------------------------------------------------
def _dual_program() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    w, x, g = _vector(decl, "w"), _vector(decl, "x"), _vector(decl, "G")
    c = decl.symbol("c", POSITIVE)
    y_x, y_z = decl.symbol("y_x", REALS), decl.symbol("y_z", REALS)
    lx, lz = decl.symbol("lambda_x", MULTIPLIERS), decl.symbol("lambda_z", MULTIPLIERS)
    t = decl.symbol("t", POSITIVE)
    xs, gs = [x], [g]
    primal = discriminator_objective(w, xs, gs, c)
    # The split objective keeps −wᵀG(z) in w so that each y meets a plain softplus.
    split = softplus(y_x) + softplus(y_z) - dot(w, g) + c / 2 * dot(w, w)
    lagrangian = split + lx * (y_x - dot(w, x)) + lz * (y_z - dot(w, g))
    direction = _dual_direction([lx], [lz], xs, gs)
    w_star = optimal_weights([lx], [lz], xs, gs, c)
    y_star = {y_x: softplus_conjugate_minimizer(lx), y_z: softplus_conjugate_minimizer(lz)}
    dual = dual_function([lx], [lz], xs, gs, c)
    at_min = {**dict(zip(w, w_star, strict=True)), **y_star}
    # ∂g/∂λ written out: the residual y*(λ) − w*(λ)ᵀ(point) of each constraint.
    grad_x = y_star[y_x] - dot(w_star, x)
    grad_z = y_star[y_z] - dot(w_star, g)
    residuals = (y_x - dot(w, x), y_z - dot(w, g))
    steps = [
        Step("the primal (duality.logistic_discriminator); instance: one x and one G(z) in ℝ², c > 0",
             Definition(sp.Symbol("P(w)"), primal)),
        Step("introduce y_x = wᵀx and y_z = wᵀG(z) as variables with these equality constraints; "
             "keep −wᵀG(z) in w", Definition(sp.Symbol("F(w, y)"), split)),
        Step("on the constraint set F equals P, so both problems have the same minimum",
             Equal(sp.Subs(split, (y_x, y_z), (dot(w, x), dot(w, g))), primal)),
        Step("F is convex in (w, y_x, y_z) (duality.convexity): its Hessian is diag(c, c, σ(1−σ), σ(1−σ))",
             PositiveSemidefinite(sp.Symbol(r"\nabla^{2} F"), sp.hessian(split, (*w, y_x, y_z)))),
        Step("Slater: the constraints are affine and (w, y) = 0 satisfies them in the open domain ℝ⁴",
             Equal(sp.Matrix([sp.Subs(r, (*w, y_x, y_z), (0, 0, 0, 0)) for r in residuals]), sp.zeros(2, 1))),
        Step("the Lagrangian, multipliers λ_x, λ_z", Definition(sp.Symbol(r"L(w, y, \lambda)"), lagrangian)),
        Step("collect terms: L separates into a quadratic in w and one softplus conjugate per y",
             Equal(PREV, quadratic(w, direction, c) + (softplus(y_x) + lx * y_x) + (softplus(y_z) + lz * y_z)),
             label="collect terms"),
        Step("minimize over w (duality.conjugates, b = λ_x x + (1+λ_z)G(z)): w*(λ) = b/c",
             Minimizer(quadratic(w, direction, c), tuple(w), tuple(w_star)), label="w*"),
        Step("its minimum −‖b‖²/(2c)",
             Equal(sp.Subs(quadratic(w, direction, c), tuple(w), tuple(w_star)), quadratic_min_value(direction, c))),
        Step("minimize over y_x (duality.conjugates): finite only for −1 < λ_x < 0",
             Minimizer(softplus(y_x) + lx * y_x, (y_x,), (y_star[y_x],))),
        Step("its minimum (duality.conjugates)", Equal(sp.Subs(softplus(y_x) + lx * y_x, y_x, y_star[y_x]),
                                                       softplus_conjugate_value(lx)), label="min y_x"),
        Step("minimize over y_z likewise", Minimizer(softplus(y_z) + lz * y_z, (y_z,), (y_star[y_z],))),
        Step("its minimum (duality.conjugates)", Equal(sp.Subs(softplus(y_z) + lz * y_z, y_z, y_star[y_z]),
                                                       softplus_conjugate_value(lz))),
        Step("the dual function g(λ) = inf L = L(w*, y*, λ) is the sum of the three minima (steps 7–13); each "
             "softplus conjugate is the binary entropy H_b(−λ); for λ outside (−1,0)² some conjugate is −∞, "
             "so the dual maximizes g over (−1,0)² (g is concave: an infimum of functions affine in λ)",
             Equal(quadratic_min_value(direction, c) + softplus_conjugate_value(lx) + softplus_conjugate_value(lz),
                   dual), label="g"),
        Step("∂g/∂λ_x is the residual of the constraint y_x = wᵀx at the minimizer of L",
             Equal(sp.Derivative(dual, lx), grad_x)),
        Step("∂g/∂λ_z likewise", Equal(sp.Derivative(dual, lz), grad_z)),
        Step("near λ_x = 0 (λ_x = −e^{−t}, t → ∞) ∂g/∂λ_x → −∞ …",
             LimitIs(grad_x.subs(lx, -sp.exp(-t)), t, sp.oo, -sp.oo)),
        Step("… and near λ_x = −1 (λ_x = −1 + e^{−t}) → +∞, likewise in λ_z; g extends continuously to the "
             "closed box [−1, 0]², so its maximum exists, and by these limits it is not on the boundary: it is "
             "at an interior λ* with ∇g(λ*) = 0",
             LimitIs(grad_x.subs(lx, -1 + sp.exp(-t)), t, sp.oo, sp.oo)),
        Step("the duality gap P(w*(λ)) − g(λ) = P(w*) − L(w*, y*, λ) (step 14) is a function of the residuals "
             "∂g/∂λ (steps 15–16) that vanishes with them: at λ* the gap is 0, so max g = min P (strong duality, "
             "as convexity and Slater guarantee) and w* = (1/c)(λ_x x + (1+λ_z)G(z)) solves the primal",
             Equal(sp.Subs(primal, tuple(w), tuple(w_star))
                   - sp.Subs(lagrangian, tuple(at_min), tuple(at_min.values())),
                   sum((softplus(y_star[y] - d) - softplus(y_star[y]) - lam * d
                        for y, lam, d in ((y_x, lx, grad_x), (y_z, lz, grad_z))), sp.Integer(0))),
             label="strong duality"),
    ]
    return decl, steps


register(Result(
    id="duality.dual_program",
    title="The Lagrange dual of the regularized logistic discriminator",
    statement="With y_x = wᵀx, y_z = wᵀG(z) and multipliers λ: g(λ) = −(1/(2c))‖Σ_x λ_x x + Σ_z (1+λ_z)G(z)‖² "
              "+ Σ H_b(−λ_x) + Σ H_b(−λ_z), maximized over λ ∈ (−1,0); max g = min P (strong duality) with "
              "w* = (1/c)(Σ_x λ_x x + Σ_z (1+λ_z)G(z)).",
    build=_dual_program,
    uses=("duality.logistic_discriminator", "duality.convexity", "duality.conjugates"),
    conclusion="g",
    formulas={"g": dual_function, "w*": optimal_weights, "H_b": binary_entropy},
    planted=(
        Planted("collect terms", "sign flip of λ_z in b: λ_x x + (1−λ_z)G(z)",
                on(None, lambda e, s: e.subs(s["lambda_z"], -s["lambda_z"]))),
        Planted("w*", "dropped the 1 in (1+λ_z): w* = (λ_x x + λ_z G(z))/c",
                on("point", lambda pt, s: tuple(p - gi / s["c"] for p, gi in zip(pt, _vec(s, "G"), strict=True)))),
        Planted("min y_x", "swapped arguments: λ_x log(1+λ_x) − (1+λ_x) log(−λ_x)",
                replace(lambda s: s["lambda_x"] * sp.log(1 + s["lambda_x"])
                        - (1 + s["lambda_x"]) * sp.log(-s["lambda_x"]))),
        Planted("g", "dropped factor 1/2 in −‖b‖²/(2c)", on(None, lambda e, s: e + quadratic_min_value(
            _dual_direction([s["lambda_x"]], [s["lambda_z"]], [_vec(s, "x")], [_vec(s, "G")]), s["c"]))),
    ),
))
