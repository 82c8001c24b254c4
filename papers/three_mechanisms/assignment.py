"""Course assignment: the exact gradient-flow solution and one GD step of the linear model, graded by C1-C6.

Students write `solve` (the closed form, theory.py) and `gd_step` (theory_gd.py); the paper's
experiments run on their functions at the smoke size and the claims below grade them. Claims that a
frozen network satisfies trivially (conservation laws, "the angle stays frozen", kernel-run claims)
and claims that never call the students' code (C3's closed-form exponents, C7's MLP) are not graded.
To re-point after a file move, edit only the "module:function" strings and `experiments`.
"""
from __future__ import annotations

import numpy as np

from claimbench.course.spec import Assignment, Exercise, GradedClaim

P = "papers.three_mechanisms"

INTRO = r"""
The model (Xu & Ziyin, *Three Mechanisms of Feature Learning in a Linear Network*, arXiv 2401.07085v3)
is a one-hidden-layer linear network of width $d$ trained on 1-D data $x = z\,n$
along a unit vector $n \in \mathbb{R}^{d_{in}}$ with target $y = a z$:

$$f = \kappa\, u^\top W n = \kappa\, u\cdot w, \qquad w = W n, \qquad L = \tfrac12 (f - a)^2 .$$

Gradient flow with layer-wise learning rates is $\dot u = -\eta_u \partial L/\partial u = -\eta_u \kappa e\, w$
and $\dot W = -\eta_w \kappa e\, u n^\top$ (so $\dot w = -\eta_w \kappa e\, u$), with residual
$e = \kappa u\cdot w - a$. The scalar NTK is $K = \kappa^2(\eta_u |w|^2 + \eta_w |u|^2)$.

Rescaling the layers, $\tilde u = u/\sqrt{\eta_u}$ and $\tilde w = w/\sqrt{\eta_w}$, gives
$\dot{\tilde u} = -r\kappa e\,\tilde w$, $\dot{\tilde w} = -r\kappa e\,\tilde u$ with $r = \sqrt{\eta_u\eta_w}$.
Then $\tilde u + \tilde w = A e^{-G(t)}$ and $\tilde u - \tilde w = B e^{G(t)}$ with $A = \tilde u_0 + \tilde w_0$,
$B = \tilde u_0 - \tilde w_0$, and $y = e^{2G}$ solves the Riccati equation

$$\dot y = \alpha P - 2\beta y - \alpha M y^2,\quad y(0) = 1,$$

with $P = |A|^2$, $M = |B|^2$, $\alpha = r^2\kappa^2/2$ and $\beta = r\kappa a$, so that
$f = \kappa r\,(P/y - M y)/4$ and $K = \kappa^2 r^2 (P/y + M y)/2$: an exact solution at any width from any
initialisation. The paper's abstract states that such a solution exists; this derivation is claimbench's
(the claims built on it are marked *derived*).
Two quantities are conserved: $\eta_w|u|^2 - \eta_u|w|^2$ and $|u|^2|w|^2 - (u\cdot w)^2$.

You implement the closed form and one step of gradient descent. Your functions are then run through the
paper's own experiments (claimbench's `papers/three_mechanisms`), and the paper's claims decide the grade:
the closed form must match gradient descent and an adaptive ODE solver, GD must converge to it at first
order, and GD must show the three mechanisms (alignment, disalignment, rescaling).
"""

SOLVE_PROMPT = r"""
**Exercise 1.** Implement `solve`: the exact gradient-flow trajectory from $(u_0, w_0)$ at the given
`times`. Return a dict of numpy arrays over `times`: `"f"`, `"ntk"`, `"cos"` (cosine between $u$ and $w$),
`"u_norm"`, `"w_norm"` of shape `(T,)` and `"u"`, `"w"` of shape `(T, d)`. It must work for any width,
any ratio $\eta_w/\eta_u$, and $a$ or $\kappa$ of either sign (hint: $(u, w, a) \to (u, -w, -a)$ maps
solutions to solutions). Solve the Riccati equation for $y(t)$ in closed form (its stable root is
$y_+ = \alpha P/(\beta + S)$ with $S = \sqrt{\beta^2 + \alpha^2 M P}$), then rebuild $u$ and $w$ from
$\tilde u \pm \tilde w$.
"""

STEP_PROMPT = r"""
**Exercise 2.** Implement `gd_step`: one step of gradient descent on $L = \tfrac12(\kappa u^\top W n - a)^2$
for a single run, updating both layers *simultaneously* from the old $(u, W)$:

$$u \leftarrow u - \text{lr}_u\, \kappa e\, W n, \qquad W \leftarrow W - \text{lr}_w\, \kappa e\, u n^\top,
\qquad e = \kappa u^\top W n - a,$$

where `lr_u` $= h\eta_u$ and `lr_w` $= h\eta_w$. Return the new `(u, W)`.
"""

NOT_GRADED = """
Not graded: claims that a network that does not move satisfies trivially (`conserved_quantities_gd`,
`ntk_identity_gd`, `kernel_run_*`, `disalignment_cos_decreases`, `disalignment_ntk_shrinks`,
`rescaling_angle_frozen`), claims whose experiment never calls your functions (`ntk_identity_ode`, C3's
closed-form exponents, `disalignment_finite_width`) and the MLP claims (C7).
"""


def check_solve(solve) -> None:
    """Public check: keys, shapes, finiteness and the initial condition f(0) = kappa u0·w0."""
    u0, w0, times = np.array([0.3, -0.2, 0.1]), np.array([0.1, 0.4, -0.3]), np.linspace(0.0, 2.0, 5)
    out = solve(u0, w0, a=1.0, kappa=1.0, eta_u=1.0, eta_w=0.5, times=times)
    assert isinstance(out, dict), f"solve must return a dict, got {type(out).__name__}"
    for key, shape in {"f": (5,), "ntk": (5,), "cos": (5,), "u_norm": (5,), "w_norm": (5,),
                       "u": (5, 3), "w": (5, 3)}.items():
        assert key in out, f"solve's dict has no key {key!r}"
        got = np.shape(out[key])
        assert got == shape, f"solve(...)[{key!r}] has shape {got}, expected {shape} for 5 times and d = 3"
        assert np.all(np.isfinite(out[key])), f"solve(...)[{key!r}] is not finite"
    assert abs(out["f"][0] - u0 @ w0) < 1e-12, f"f(0) = {out['f'][0]:.6g}, expected kappa u0·w0 = {u0 @ w0:.6g}"


def check_gd_step(gd_step) -> None:
    """Public check: shapes, finiteness, and no move at the minimum (e = 0)."""
    u, W, n = np.array([0.5, -0.2]), np.array([[0.1, 0.3, 0.0], [0.2, -0.1, 0.4]]), np.array([1.0, 0.0, 0.0])
    new_u, new_W = gd_step(u, W, n, a=1.0, kappa=1.0, lr_u=0.01, lr_w=0.02)
    assert np.shape(new_u) == (2,) and np.shape(new_W) == (2, 3), \
        f"gd_step returned shapes {np.shape(new_u)}, {np.shape(new_W)}; expected (2,), (2, 3)"
    assert np.all(np.isfinite(new_u)) and np.all(np.isfinite(new_W)), "gd_step returned non-finite values"
    a_star = float(u @ W @ n)
    still_u, still_W = gd_step(u, W, n, a=a_star, kappa=1.0, lr_u=0.01, lr_w=0.02)
    assert np.allclose(still_u, u) and np.allclose(still_W, W), "at the minimum (e = 0) a GD step must not move"


def experiments():
    """The C1-C6 experiments bound to the numpy reference GD (its gd_step is what students replace)."""
    from types import SimpleNamespace

    from claimbench.experiments import bind
    from papers.three_mechanisms import experiments as exps
    from papers.three_mechanisms import theory_gd

    return bind(exps.EXPERIMENTS, lambda device: SimpleNamespace(simulate_gd=theory_gd.simulate))


_BOTH, _SOLVE, _STEP = ("solve", "gd_step"), ("solve",), ("gd_step",)

ASSIGNMENT = Assignment(
    paper="three_mechanisms",
    title="Three mechanisms of feature learning: the exact solution of a linear network",
    intro=INTRO,
    setup="import numpy as np",
    exercises=(
        Exercise("solve", f"{P}.theory:solve", SOLVE_PROMPT,
                 helpers=(f"{P}.theory:_riccati_y", f"{P}.theory:_safe_scale"), check=f"{P}.assignment:check_solve"),
        Exercise("gd_step", f"{P}.theory_gd:gd_step", STEP_PROMPT, check=f"{P}.assignment:check_gd_step"),
    ),
    claims=(
        GradedClaim("closed_form_matches_ode_solver", 2, _SOLVE, public=True),
        GradedClaim("alignment_ntk_grows", 1, _STEP, public=True),
        GradedClaim("exact_solution_matches_gd", 2, _BOTH),
        GradedClaim("exact_weights_match_gd", 2, _BOTH),
        GradedClaim("gd_error_first_order", 1, _BOTH),
        GradedClaim("phase_gd_confirmation", 1, _BOTH),
        GradedClaim("alignment_cos_final", 1, _STEP),
        GradedClaim("alignment_cos_theory", 1, _STEP),
        GradedClaim("alignment_first_layer_concentrates", 1, _STEP),
        GradedClaim("disalignment_ntk_identity", 1, _STEP),
        GradedClaim("rescaling_norms_match", 1, _BOTH),
        GradedClaim("rescaling_hyperbola", 1, _STEP),
        GradedClaim("rescaling_faster_layer_grows", 1, _STEP),
    ),
    experiments=experiments,
    profile="smoke",
    not_graded=NOT_GRADED,
)
