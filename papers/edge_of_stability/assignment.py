"""Course assignment: a Hessian-vector product and the top Hessian eigenvalue, graded by the EoS anchor claims.

Students write `hvp` (claimbench.hessian.hvp_torch) and `top_eigenvalues` (claimbench.hessian.lanczos);
the paper's `eos_baseline` experiment (Cohen et al. 2021's sharpness at 2/η, the anchor of Terjék 2025)
runs on the torch backend with their functions wherever the paper's code calls these two. Graded:
the claims that read the sharpness. Not graded: `baseline_loss_still_falls` (no Hessian involved),
the Taylor claims (nested jvp, not the HVP) and the beyond-the-edge claims (their update rule is our
reconstruction, two of them, see the paper's README). To re-point after a file move, edit the strings
and `experiments`.
"""
from __future__ import annotations

import numpy as np

from claimbench.course.spec import Assignment, Exercise, GradedClaim

H = "claimbench.hessian"
A = "papers.edge_of_stability.assignment"

INTRO = r"""
Full-batch gradient descent with step $\eta$ on a loss $L(\theta)$ is stable on a quadratic with curvature
$\lambda$ only while $\lambda < 2/\eta$. Cohen et al. (ICLR 2021, arXiv 2103.00065, Fig. 1) observed that on
neural networks the **sharpness** $\lambda_{\max}(\nabla^2 L(\theta_t))$ first rises (progressive
sharpening) and then hovers at the **edge of stability** $2/\eta$ while the loss keeps falling; Terjék
(arXiv 2502.13110v2) takes this as the baseline that training can go beyond.

The Hessian of a network is never formed: it is used through Hessian-vector products (Pearlmutter's trick)

$$H v = \nabla_\theta \big(\nabla L(\theta) \cdot v\big)
    = \frac{d}{d\varepsilon}\,\nabla L(\theta + \varepsilon v)\Big|_{\varepsilon = 0}:$$

the gradient of $\nabla L(\theta)\cdot v$ (double backprop, as Cohen et al. compute it) or one forward-mode
derivative (`torch.func.jvp`) of the gradient (`torch.func.grad`), at the cost of a few gradients.
The top eigenvalue then comes from a Krylov method that needs only $v \mapsto Hv$: Lanczos
(`scipy.sparse.linalg.eigsh` on a `LinearOperator`), which is how Cohen et al. measure sharpness.

You implement both. The paper's experiment (a tanh MLP trained by full-batch GD, sharpness logged every
few steps, float64) then runs with your functions, and the edge-of-stability claims grade them.
"""

HVP_PROMPT = r"""
**Exercise 1.** Implement `hvp(loss_fn, theta, v, *args)`: $H(\theta)v$ where $H = \nabla^2 L$ and
$L(\theta) =$ `loss_fn(theta, *args)` is a scalar function of the flat parameter vector `theta`
(a 1-D float64 tensor). Return a tensor shaped like `theta`. Use automatic differentiation twice (the
gradient of $\nabla L \cdot v$ with `torch.autograd.grad(..., create_graph=True)`, or a `jvp` of the `grad`),
not the dense Hessian.
"""

EIG_PROMPT = r"""
**Exercise 2.** Implement `top_eigenvalues(matvec, dim, k=1, tol=1e-4, v0=None, which="LA", maxiter=None, seed=0)`:
the `k` algebraically largest eigenvalues of the symmetric operator $v \mapsto$ `matvec(v)` (numpy in,
numpy out) by Lanczos. Return `EigResult(values, vectors, n_matvec)`: eigenvalues in descending order,
eigenvectors as columns (`dim` x `k`), and how many times `matvec` was called. Start from `v0` if given,
else from a standard normal vector drawn by numpy's `default_rng` seeded with `seed`, so results are
deterministic. `tol` is a relative accuracy on the Ritz values (as in `eigsh`); the experiment passes the
previous measurement's eigenvector as `v0`, so a Lanczos that stops once its Ritz values have converged
(rather than `eigsh`'s fixed Krylov size) needs far fewer Hessian-vector products.
"""

NOT_GRADED = """
Not graded: `baseline_loss_still_falls` (the loss does not involve the Hessian), the Taylor-coefficient
claims (nested jvps, not your HVP) and the beyond-the-edge claims (the paper's exact update could not be
read; they run under two reconstructions of it, see the paper's README).
"""


def check_hvp(hvp) -> None:
    """Public check: shape and exactness on a quadratic L = ½ θᵀAθ, whose Hessian is A."""
    import torch

    A_ = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, -0.3], [0.0, -0.3, 3.0]], dtype=torch.float64)

    def loss(theta, scale):
        return 0.5 * scale * theta @ A_ @ theta

    theta, v = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
    out = hvp(loss, theta, v, 2.0)
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (3,), \
        f"hvp must return a tensor of shape (3,), got {type(out).__name__} {tuple(getattr(out, 'shape', ()))}"
    want = 2.0 * A_ @ v
    assert torch.allclose(out, want, rtol=1e-10, atol=1e-12), \
        f"on L = θᵀAθ (Hessian 2A) hvp gave {out.tolist()}, expected {want.tolist()}"


def check_top_eigenvalues(top_eigenvalues) -> None:
    """Public check: a diagonal operator with known spectrum; descending values, vector shapes, call count."""
    diag = np.arange(1.0, 21.0)
    res = top_eigenvalues(lambda v: diag * v, 20, k=2, tol=1e-8)
    values, vectors, n = np.asarray(res.values), np.asarray(res.vectors), res.n_matvec
    assert values.shape == (2,) and vectors.shape == (20, 2), \
        f"values {values.shape}, vectors {vectors.shape}; expected (2,) and (20, 2)"
    assert np.allclose(values, [20.0, 19.0], rtol=1e-6), f"top eigenvalues {values}, expected [20, 19]"
    assert int(n) >= 2, f"n_matvec = {n}: count the calls to matvec"


def experiments():
    """The torch backend's experiments; the graded one is eos_baseline."""
    from papers.edge_of_stability import torch_impl

    return torch_impl.EXPERIMENTS


_BOTH, _HVP, _EIG = ("hvp", "top_eigenvalues"), ("hvp",), ("top_eigenvalues",)

ASSIGNMENT = Assignment(
    paper="edge_of_stability",
    title="The edge of stability: Hessian-vector products and the sharpness",
    intro=INTRO,
    setup=("from typing import Callable\n\nimport numpy as np\nimport torch\n"
           "from scipy.linalg import eigh_tridiagonal\n"
           "from scipy.sparse.linalg import LinearOperator, eigsh\nfrom torch.func import grad, jvp\n\n"
           "from claimbench.hessian.lanczos import KRYLOV_CAP, EigResult, Matvec"),
    exercises=(
        Exercise("hvp", f"{H}.hvp_torch:hvp", HVP_PROMPT, check=f"{A}:check_hvp"),
        Exercise("top_eigenvalues", f"{H}.lanczos:top_eigenvalues", EIG_PROMPT,
                 helpers=tuple(f"{H}.lanczos:{f}" for f in ("_Counted", "_lanczos", "_ritz", "_eigsh_from")),
                 check=f"{A}:check_top_eigenvalues"),
    ),
    claims=(
        GradedClaim("baseline_hovers_at_edge", 2, _HVP, public=True),
        GradedClaim("lanczos_matches_power_iteration", 2, _EIG, public=True),
        GradedClaim("baseline_starts_below_edge", 1, _BOTH),
        GradedClaim("baseline_reaches_edge", 1, _BOTH),
    ),
    experiments=experiments,
    profile="smoke",
    not_graded=NOT_GRADED,
)
