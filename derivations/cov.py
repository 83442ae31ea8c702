"""Change of variables for densities: the (U, V) = (X+Y, X−Y) example and normalizing flows.

* ``cov.uv_jacobian`` — X, Y independent N(0, 1), U = X + Y, V = X − Y. The
  inverse map x = (u+v)/2, y = (u−v)/2 has Jacobian [[½, ½], [½, −½]] with
  determinant −½, so f_{U,V}(u, v) = f_{X,Y}((u+v)/2, (u−v)/2)·½ =
  N(u; 0, 2)·N(v; 0, 2): U and V are independent N(0, 2). The forward map's
  Jacobian is the inverse matrix (determinant −2) and transforms back.
* ``cov.flow_density`` — p_X(x) = p_Z(f(x))·|det ∂f/∂x| for invertible,
  differentiable f. Derived in one dimension from the CDF (chain rule), checked
  against ``sympy.stats`` for an affine map, then applied to a two-layer flow:
  an affine coupling layer (RealNVP) with arbitrary conditioner functions s, t,
  followed by an elementwise affine (ActNorm) layer. The coupling layer is
  explicitly invertible with a triangular Jacobian, the chain rule multiplies
  the layers' Jacobians, det(J₂J₁) = det J₂·det J₁, and so the
  log-determinants add.

The conditioners s, t (and the 1-D map f) are undefined functions: SymPy
proves the steps for all of them, and the spot checks substitute random
smooth functions. (A second coupling layer composed with the first makes the
spot checks evaluate nested transcendental functions exactly, which takes
seconds; the ActNorm layer keeps the composition cheap to check.)

References:
    Casella & Berger, "Statistical Inference", 2nd ed., 2002, §4.3 (bivariate transformations;
    the sum and difference of independent normals).
    Dinh, Sohl-Dickstein & Bengio, "Density estimation using Real NVP", ICLR 2017 (affine coupling).
    Kingma & Dhariwal, "Glow: Generative Flow with Invertible 1x1 Convolutions", NeurIPS 2018 (ActNorm).
    Papamakarios et al., "Normalizing Flows for Probabilistic Modeling and Inference", JMLR 22, 2021, §2.
"""

from __future__ import annotations

import dataclasses

import sympy as sp
from sympy.stats import Normal, cdf, density

from derivations.claims import Claim, Equal, Hypothesis
from derivations.domains import POSITIVE, REALS, Declarations
from derivations.engine import Result, Step
from derivations.planted import Planted, flip_sign, replace, scale
from derivations.registry import register
from derivations.theory import Arg, takes

__all__ = [
    "normal_density",
    "xy_density",
    "uv_density",
    "uv_inverse_map",
    "uv_inverse_jacobian",
    "uv_forward_jacobian",
    "affine_pushforward_density",
    "coupling_forward",
    "coupling_inverse",
    "actnorm_forward",
    "coupling_log_det",
    "standard_normal_log_density",
    "flow_log_density",
]


# --- closed forms -------------------------------------------------------------------------
@takes(Arg("x", REALS), Arg("variance", POSITIVE))
def normal_density(x: sp.Basic, variance: sp.Basic) -> sp.Basic:
    """N(x; 0, variance) (sympy.stats); arguments (x, variance)."""
    return density(Normal("W", 0, sp.sqrt(variance)))(x)


@takes(Arg("x", REALS), Arg("y", REALS))
def xy_density(x: sp.Basic, y: sp.Basic) -> sp.Basic:
    """f_{X,Y}(x, y) = exp(−(x² + y²)/2)/(2π), two independent N(0, 1); arguments (x, y)."""
    return sp.exp(-(x**2 + y**2) / 2) / (2 * sp.pi)


@takes(Arg("u", REALS), Arg("v", REALS))
def uv_density(u: sp.Basic, v: sp.Basic) -> sp.Basic:
    """f_{U,V}(u, v) = exp(−(u² + v²)/4)/(4π) = N(u; 0, 2)·N(v; 0, 2); arguments (u, v)."""
    return sp.exp(-(u**2 + v**2) / 4) / (4 * sp.pi)


@takes(Arg("u", REALS), Arg("v", REALS))
def uv_inverse_map(u: sp.Basic, v: sp.Basic) -> sp.Matrix:
    """(x, y) = ((u+v)/2, (u−v)/2), the inverse of (u, v) = (x+y, x−y); arguments (u, v)."""
    return sp.Matrix([(u + v) / 2, (u - v) / 2])


@takes()
def uv_inverse_jacobian() -> sp.Matrix:
    """J = ∂(x, y)/∂(u, v) = [[½, ½], [½, −½]], det J = −½; no arguments."""
    half = sp.Rational(1, 2)
    return sp.Matrix([[half, half], [half, -half]])


@takes()
def uv_forward_jacobian() -> sp.Matrix:
    """J⁻¹ = ∂(u, v)/∂(x, y) = [[1, 1], [1, −1]], det J⁻¹ = −2; no arguments."""
    return sp.Matrix([[1, 1], [1, -1]])


@takes(Arg("x", REALS), Arg("a", REALS, nonzero=True, bounds=(0.3, 3.0)), Arg("b", REALS))
def affine_pushforward_density(x: sp.Basic, a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """p_X(x) = N(ax + b; 0, 1)·|a| for Z = f(X) = aX + b ~ N(0, 1), a ≠ 0; arguments (x, a, b)."""
    return sp.exp(-(a * x + b) ** 2 / 2) / sp.sqrt(2 * sp.pi) * sp.Abs(a)


@takes(Arg("x1", REALS), Arg("x2", REALS), Arg("s", REALS), Arg("t", REALS))
def coupling_forward(x1: sp.Basic, x2: sp.Basic, s: sp.Basic, t: sp.Basic) -> sp.Matrix:
    """Affine coupling (x₁, x₂) ↦ (x₁, x₂·e^s + t) with s = s(x₁), t = t(x₁); arguments (x₁, x₂, s, t)."""
    return sp.Matrix([x1, x2 * sp.exp(s) + t])


@takes(Arg("z1", REALS), Arg("z2", REALS), Arg("s", REALS), Arg("t", REALS))
def coupling_inverse(z1: sp.Basic, z2: sp.Basic, s: sp.Basic, t: sp.Basic) -> sp.Matrix:
    """Its inverse (z₁, z₂) ↦ (z₁, (z₂ − t)·e^{−s}) with s = s(z₁), t = t(z₁); arguments (z₁, z₂, s, t)."""
    return sp.Matrix([z1, (z2 - t) * sp.exp(-s)])


@takes(Arg("w1", REALS), Arg("w2", REALS), Arg("sigma1", REALS), Arg("sigma2", REALS), Arg("mu1", REALS),
       Arg("mu2", REALS))
def actnorm_forward(w1: sp.Basic, w2: sp.Basic, sigma1: sp.Basic, sigma2: sp.Basic, mu1: sp.Basic,
                    mu2: sp.Basic) -> sp.Matrix:
    """ActNorm w ↦ (e^{σ₁}w₁ + μ₁, e^{σ₂}w₂ + μ₂), log|det| = σ₁ + σ₂; arguments (w₁, w₂, σ₁, σ₂, μ₁, μ₂)."""
    return sp.Matrix([sp.exp(sigma1) * w1 + mu1, sp.exp(sigma2) * w2 + mu2])


@takes(Arg("s", REALS))
def coupling_log_det(s: sp.Basic) -> sp.Basic:
    """log|det ∂(coupling)/∂x| = s(x₁), the log-scale; argument (s)."""
    return s


@takes(Arg("z1", REALS), Arg("z2", REALS))
def standard_normal_log_density(z1: sp.Basic, z2: sp.Basic) -> sp.Basic:
    """log N(z; 0, I₂) = −(z₁² + z₂²)/2 − log(2π); arguments (z₁, z₂)."""
    return -(z1**2 + z2**2) / 2 - sp.log(2 * sp.pi)


@takes(Arg("z1", REALS), Arg("z2", REALS), Arg("log_det", REALS))
def flow_log_density(z1: sp.Basic, z2: sp.Basic, *log_dets: sp.Basic) -> sp.Basic:
    """log p_X(x) = log N(f(x); 0, I₂) + Σ_layers log|det J_layer|; arguments (z₁, z₂ of z = f(x), log-dets…)."""
    return standard_normal_log_density(z1, z2) + sum(log_dets, sp.Integer(0))


def _jacobian(F: sp.Matrix, variables: list[sp.Symbol]) -> sp.Matrix:
    # Unevaluated partial derivatives, so the step shows ∂F_i/∂x_j and the engine evaluates them.
    return sp.Matrix(len(F), len(variables), lambda i, j: sp.Derivative(F[i], variables[j]))


# --- cov.uv_jacobian ------------------------------------------------------------------------
def _uv_symbols() -> tuple[Declarations, sp.Symbol, sp.Symbol, sp.Symbol, sp.Symbol]:
    decl = Declarations()
    x, y, u, v = (decl.symbol(n, REALS) for n in ("x", "y", "u", "v"))
    return decl, x, y, u, v


def _uv_jacobian():
    decl, x, y, u, v = _uv_symbols()
    xy = uv_inverse_map(u, v)
    J = uv_inverse_jacobian()
    Jinv = uv_forward_jacobian()
    steps = [
        Step("X, Y independent N(0, 1); U = X + Y, V = X − Y", Hypothesis(r"X, Y \sim N(0,1) \text{ independent}")),
        Step("independence: the joint density is the product of the N(0, 1) densities",
             Equal(normal_density(x, 1) * normal_density(y, 1), xy_density(x, y))),
        Step("solve u = x + y, v = x − y for (x, y): x = (u+v)/2, y = (u−v)/2",
             Equal(sp.Matrix([sp.Subs(x + y, (x, y), tuple(xy)), sp.Subs(x - y, (x, y), tuple(xy))]),
                   sp.Matrix([u, v]))),
        Step("Jacobian of the inverse map", Equal(_jacobian(xy, [u, v]), J), label="Jacobian of the inverse map"),
        Step("its determinant", Equal(sp.Determinant(J), sp.Rational(-1, 2)), label="det"),
        Step("change of variables: f_{U,V}(u, v) = f_{X,Y}(x(u,v), y(u,v))·|det J|",
             Equal(xy_density(*xy) * sp.Abs(sp.Determinant(J)), uv_density(u, v)), label="change of variables"),
        Step("it factorizes into N(u; 0, 2)·N(v; 0, 2): U and V are independent N(0, 2)",
             Equal(uv_density(u, v), normal_density(u, 2) * normal_density(v, 2)), label="f_UV"),
        Step("the forward map's Jacobian ∂(u, v)/∂(x, y)",
             Equal(_jacobian(sp.Matrix([x + y, x - y]), [x, y]), Jinv)),
        Step("chain rule: the two Jacobians are inverse matrices, so det J⁻¹ = 1/det J = −2",
             Equal(sp.MatMul(Jinv.as_immutable(), J.as_immutable()), sp.eye(2))),
        Step("inverse direction: f_{X,Y}(x, y) = f_{U,V}(x+y, x−y)·|det J⁻¹|",
             Equal(uv_density(x + y, x - y) * sp.Abs(sp.Determinant(Jinv)), xy_density(x, y)),
             label="inverse direction"),
    ]
    return decl, steps


def _unit_variances(claim: Claim) -> Claim:
    # Planted error: U, V said to be N(0, 1) (the variance 2 of a sum of two N(0, 1) forgotten).
    _, _, _, u, v = _uv_symbols()
    return replace(normal_density(u, 1) * normal_density(v, 1))(claim)


register(Result(
    id="cov.uv_jacobian",
    title="Sum and difference of independent normals",
    statement="X, Y iid N(0,1), U = X+Y, V = X−Y: det ∂(x,y)/∂(u,v) = −½ and f_{U,V}(u,v) = N(u;0,2)·N(v;0,2).",
    build=_uv_jacobian,
    conclusion="f_UV",
    formulas={"f_XY": xy_density, "f_UV": uv_density, "inverse map": uv_inverse_map,
              "J": uv_inverse_jacobian, "J^-1": uv_forward_jacobian, "normal": normal_density},
    planted=(
        Planted("Jacobian of the inverse map", "swapped arguments: ∂y/∂v written as +½", lambda c: dataclasses.replace(
            c, rhs_=sp.Matrix([[sp.Rational(1, 2)] * 2] * 2))),
        Planted("det", "sign flip: det J = +½", flip_sign()),
        Planted("change of variables", "dropped factor: |det J| left out", scale(2)),
        Planted("f_UV", "wrong constant: U, V said to be N(0, 1)", _unit_variances),
        Planted("inverse direction",
                "wrong Jacobian: |det J| = ½ used in the inverse direction", scale(sp.Rational(1, 4))),
    ),
))


# --- cov.flow_density -----------------------------------------------------------------------
@dataclasses.dataclass
class _Flow:
    decl: Declarations
    x: sp.Symbol
    x1: sp.Symbol
    x2: sp.Symbol
    w1: sp.Symbol
    w2: sp.Symbol
    z1: sp.Symbol
    z2: sp.Symbol
    a: sp.Symbol
    b: sp.Symbol
    scale: tuple[sp.Symbol, sp.Symbol]
    shift: tuple[sp.Symbol, sp.Symbol]
    f: sp.FunctionClass
    s: sp.FunctionClass
    t: sp.FunctionClass

    def layer1(self) -> sp.Matrix:
        """f₁(x₁, x₂) = (x₁, x₂e^{s(x₁)} + t(x₁))."""
        return coupling_forward(self.x1, self.x2, self.s(self.x1), self.t(self.x1))

    def layer2(self, w1: sp.Basic, w2: sp.Basic) -> sp.Matrix:
        """f₂(w) = (e^{σ₁}w₁ + μ₁, e^{σ₂}w₂ + μ₂): an elementwise affine (ActNorm) layer."""
        return actnorm_forward(w1, w2, *self.scale, *self.shift)

    def jacobians(self) -> tuple[sp.Matrix, sp.Matrix]:
        """J_{f₁}(x) and J_{f₂}(f₁(x)), evaluated."""
        h = self.layer1()
        J1 = self.layer1().jacobian([self.x1, self.x2])
        J2 = self.layer2(self.w1, self.w2).jacobian([self.w1, self.w2]).subs(
            {self.w1: h[0], self.w2: h[1]}, simultaneous=True)
        return J1, J2


def _flow_symbols() -> _Flow:
    decl = Declarations()
    x, x1, x2, w1, w2, z1, z2, b = (decl.symbol(n, REALS) for n in
                                    ("x", "x_1", "x_2", "w_1", "w_2", "z_1", "z_2", "b"))
    a = decl.symbol("a", REALS, nonzero=True)
    scale = (decl.symbol("sigma_1", REALS), decl.symbol("sigma_2", REALS))
    shift = (decl.symbol("mu_1", REALS), decl.symbol("mu_2", REALS))
    f, s, t = (decl.function(n, REALS) for n in ("f", "s", "t"))
    return _Flow(decl, x, x1, x2, w1, w2, z1, z2, a, b, scale, shift, f, s, t)


def _flow_density():
    fl = _flow_symbols()
    x, x1, x2, w1, w2 = fl.x, fl.x1, fl.x2, fl.w1, fl.w2
    Z = Normal("Z", 0, 1)
    h = fl.layer1()
    z = fl.layer2(h[0], h[1])  # z = f(x) = f₂(f₁(x))
    J1, J2 = fl.jacobians()
    log_det1 = coupling_log_det(fl.s(x1))
    log_det2 = fl.scale[0] + fl.scale[1]
    steps = [
        Step("Z ~ p_Z and X = f⁻¹(Z) for an invertible, differentiable f", Hypothesis(r"Z = f(X) \sim p_Z")),
        Step("one dimension, f increasing: F_X(x) = P(f(X) ≤ f(x)) = F_Z(f(x)); differentiate (chain rule): "
             "p_X(x) = p_Z(f(x))·f'(x)",
             Equal(sp.Derivative(cdf(Z)(fl.f(x)), x), density(Z)(fl.f(x)) * sp.Derivative(fl.f(x), x))),
        Step("check on an affine f(x) = ax + b (either sign of a): the law of X = (Z − b)/a (sympy.stats) is "
             "p_Z(ax + b)·|a|",
             Equal(density((Z - fl.b) / fl.a)(x), affine_pushforward_density(x, fl.a, fl.b)),
             label="check on an affine f"),
        Step("in d dimensions (change-of-variables theorem): p_X(x) = p_Z(f(x))·|det ∂f/∂x|",
             Hypothesis(r"p_X(x) = p_Z(f(x)) \left|\det \frac{\partial f}{\partial x}\right|")),
        Step("layer 1, an affine coupling, is invertible: (x₁, x₂) = (z₁, (z₂ − t(z₁))e^{−s(z₁)})",
             Equal(sp.Matrix([sp.Subs(e, (fl.z1, fl.z2), tuple(h))
                              for e in coupling_inverse(fl.z1, fl.z2, fl.s(fl.z1), fl.t(fl.z1))]),
                   sp.Matrix([x1, x2]))),
        Step("its Jacobian is lower triangular", Equal(_jacobian(h, [x1, x2]), J1)),
        Step("so its determinant is the product of the diagonal, e^{s(x₁)}: log|det J_{f₁}| = s(x₁)",
             Equal(sp.Determinant(J1), sp.exp(log_det1)), label="det J"),
        Step("layer 2, an elementwise affine (ActNorm) layer: J_{f₂} = diag(e^{σ₁}, e^{σ₂}), "
             "log|det J_{f₂}| = σ₁ + σ₂",
             Equal(sp.Determinant(_jacobian(fl.layer2(w1, w2), [w1, w2])), sp.exp(log_det2))),
        Step("chain rule: J_f(x) = J_{f₂}(f₁(x))·J_{f₁}(x)",
             Equal(_jacobian(z, [x1, x2]), sp.MatMul(J2.as_immutable(), J1.as_immutable())), label="chain"),
        Step("det(J₂J₁) = det J₂·det J₁: the log-determinants add",
             Equal(sp.log(sp.Determinant(sp.MatMul(J2.as_immutable(), J1.as_immutable()))), log_det1 + log_det2),
             label="det"),
        Step("take logs at z = f(x), with p_Z = N(0, I₂) and |det J_f| = e^{s(x₁) + σ₁ + σ₂}: "
             "log p_X(x) = log p_Z(f(x)) + s(x₁) + σ₁ + σ₂",
             Equal(sp.log(normal_density(fl.z1, 1) * normal_density(fl.z2, 1) * sp.exp(log_det1 + log_det2)),
                   flow_log_density(fl.z1, fl.z2, log_det1, log_det2)), label="log p_X"),
    ]
    return fl.decl, steps


def _reversed_chain(claim: Claim) -> Claim:
    # Planted error: the Jacobians multiplied in the wrong order, J_{f₁}·J_{f₂}.
    J1, J2 = _flow_symbols().jacobians()
    return dataclasses.replace(claim, rhs_=sp.MatMul(J1.as_immutable(), J2.as_immutable()))


def _dropped_layer(claim: Claim) -> Claim:
    # Planted error: only the first layer's log-determinant kept.
    fl = _flow_symbols()
    return replace(coupling_log_det(fl.s(fl.x1)))(claim)


def _inverse_scale(claim: Claim) -> Claim:
    # Planted error: |a| replaced by 1/|a| (the Jacobian of f⁻¹ used instead of that of f).
    fl = _flow_symbols()
    return replace(affine_pushforward_density(fl.x, fl.a, fl.b) / fl.a**2)(claim)


register(Result(
    id="cov.flow_density",
    title="Densities of normalizing flows",
    statement="p_X(x) = p_Z(f(x))·|det ∂f/∂x| for invertible differentiable f; for a flow of layers the "
              "log-determinants add.",
    build=_flow_density,
    uses=("cov.uv_jacobian",),
    conclusion="log p_X",
    formulas={"affine p_X": affine_pushforward_density, "coupling": coupling_forward,
              "coupling inverse": coupling_inverse, "coupling log-det": coupling_log_det, "actnorm": actnorm_forward,
              "log N(0, I)": standard_normal_log_density, "flow log p_X": flow_log_density},
    planted=(
        Planted("check on an affine f", "wrong Jacobian: p_Z(ax + b)/|a|", _inverse_scale),
        Planted("det J", "sign flip: log|det J_{f₁}| = −s(x₁)", lambda c: dataclasses.replace(
            c, rhs_=sp.exp(-sp.log(c.rhs_)))),
        Planted("chain", "swapped arguments: J_f = J_{f₁}·J_{f₂}", _reversed_chain),
        Planted("det", "dropped term: layer 2's log-determinant", _dropped_layer),
    ),
))
