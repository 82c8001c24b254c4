"""claimbench.hessian against dense Hessians and finite differences; torch vs jax; framework-neutrality."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from claimbench.hessian import power_iteration, top_eigenvalues
from claimbench.seeding import make_rng

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from claimbench.hessian import hvp_jax, hvp_torch  # noqa: E402

TOL = {"float64": dict(rtol=1e-10, atol=1e-12)}  # one tolerance table, keyed by dtype
SHAPES = [(5, 3), (5,), (2, 5)]  # tiny tanh MLP 3-5-2 with a hidden bias


def _tiny_problem(seed: int = 0):
    rng = make_rng(seed, "test-hessian")
    theta = rng.standard_normal(sum(int(np.prod(s)) for s in SHAPES)) * 0.8
    x, y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    return theta, x, y


def _split(theta, lib):
    out, i = [], 0
    for s in SHAPES:
        n = int(np.prod(s))
        out.append(theta[i:i + n].reshape(s))
        i += n
    return out


def loss_torch(theta, x, y):
    w1, b1, w2 = _split(theta, torch)
    return 0.5 * ((torch.tanh(x @ w1.T + b1) @ w2.T - y) ** 2).sum() / x.shape[0]


def loss_jax(theta, x, y):
    w1, b1, w2 = _split(theta, jnp)
    return 0.5 * ((jnp.tanh(x @ w1.T + b1) @ w2.T - y) ** 2).sum() / x.shape[0]


def _torch_args(theta, x, y):
    return [torch.tensor(a, dtype=torch.float64) for a in (theta, x, y)]


def test_torch_hvp_matches_dense_hessian_and_finite_differences():
    theta, x, y = _torch_args(*_tiny_problem())
    v = torch.tensor(make_rng(1, "v").standard_normal(theta.numel()))
    hv = hvp_torch.hvp(loss_torch, theta, v, x, y)
    dense = hvp_torch.dense_hessian(loss_torch, theta, x, y)
    np.testing.assert_allclose(hv.numpy(), (dense @ v).numpy(), **TOL["float64"])
    eps = 1e-5  # central difference of the gradient: error O(eps²)
    fd = (hvp_torch.gradient(loss_torch, theta + eps * v, x, y)
          - hvp_torch.gradient(loss_torch, theta - eps * v, x, y)) / (2 * eps)
    np.testing.assert_allclose(hv.numpy(), fd.numpy(), rtol=1e-6, atol=1e-8)


def test_torch_matvec_reuses_the_gradient_graph_with_hvps_exact_numbers(monkeypatch):
    """make_matvec keeps the graph of ∇L for its products: bit-for-bit what `hvp` gives per product,
    and a substituted `hvp` (the course's) is still called for every product."""
    theta, x, y = _torch_args(*_tiny_problem())
    kept = hvp_torch.make_matvec(loss_torch, theta, x, y)
    calls, own = [], hvp_torch.hvp

    def substitute(*args):
        calls.append(1)
        return own(*args)

    with monkeypatch.context() as m:
        m.setattr(hvp_torch, "hvp", substitute)
        each = hvp_torch.make_matvec(loss_torch, theta, x, y)
        for k in range(3):
            v = make_rng(k, "v").standard_normal(theta.numel())
            assert np.array_equal(kept(v), each(v))
    assert len(calls) == 3


def test_torch_hvp_is_bitwise_the_vjp_with_grad_outputs_and_does_not_import_sympy():
    """H v is taken as the gradient of the scalar ∇L · v: bit for bit the vjp of ∇L with
    grad_outputs=v, without the sympy import (0.7-1 s) torch makes the first time grad_outputs is given."""
    code = (
        "import sys, numpy as np, torch\n"
        "from claimbench.hessian import hvp_torch\n"
        "from claimbench.seeding import make_rng\n"
        "rng = make_rng(0, 'sympy-free')\n"
        "theta, v = (torch.tensor(rng.standard_normal(12)) for _ in range(2))\n"
        "loss = lambda t: (torch.tanh(t.reshape(3, 4)) ** 3).sum() + (t * t).sum()\n"
        "hv = hvp_torch.hvp(loss, theta, v)\n"
        "mv = hvp_torch.make_matvec(loss, theta)(v.numpy())\n"
        "assert 'sympy' not in sys.modules, 'sympy imported'\n"
        "t = theta.clone().requires_grad_(True)\n"
        "(g,) = torch.autograd.grad(loss(t), t, create_graph=True)\n"
        "(ref,) = torch.autograd.grad(g, t, grad_outputs=v)\n"
        "assert torch.equal(hv, ref) and np.array_equal(mv, ref.numpy())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_jax_hvp_matches_dense_hessian_and_finite_differences():
    theta, x, y = (jnp.asarray(a) for a in _tiny_problem())
    v = jnp.asarray(make_rng(1, "v").standard_normal(theta.size))
    hv = hvp_jax.hvp(loss_jax, theta, v, x, y)
    dense = hvp_jax.dense_hessian(loss_jax, theta, x, y)
    np.testing.assert_allclose(np.asarray(hv), np.asarray(dense @ v), **TOL["float64"])
    eps = 1e-5
    fd = (hvp_jax.gradient(loss_jax, theta + eps * v, x, y) - hvp_jax.gradient(loss_jax, theta - eps * v, x, y))
    np.testing.assert_allclose(np.asarray(hv), np.asarray(fd) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_torch_and_jax_hvps_agree_to_float64_precision():
    theta, x, y = _tiny_problem(3)
    v = make_rng(4, "v").standard_normal(theta.size)
    mv_t = hvp_torch.make_matvec(loss_torch, *_torch_args(theta, x, y))
    mv_j = hvp_jax.make_matvec(loss_jax, jnp.asarray(theta), jnp.asarray(x), jnp.asarray(y))
    np.testing.assert_allclose(mv_t(v), mv_j(v), **TOL["float64"])


def test_flatten_round_trips():
    params = [np.arange(6.0).reshape(2, 3), np.arange(4.0)]
    t, unflat = hvp_torch.flatten([torch.tensor(p) for p in params])
    j, unravel = hvp_jax.flatten([jnp.asarray(p) for p in params])
    np.testing.assert_array_equal(t.numpy(), np.asarray(j))
    for p, a, b in zip(params, unflat(t), unravel(j), strict=True):
        np.testing.assert_array_equal(p, a.numpy())
        np.testing.assert_array_equal(p, np.asarray(b))


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_lanczos_and_power_iteration_match_dense_top_eigenvalues(backend):
    theta, x, y = _tiny_problem(5)
    if backend == "torch":
        args = _torch_args(theta, x, y)
        mv, dense = hvp_torch.make_matvec(loss_torch, *args), hvp_torch.dense_hessian(loss_torch, *args).numpy()
    else:
        args = [jnp.asarray(a) for a in (theta, x, y)]
        mv, dense = hvp_jax.make_matvec(loss_jax, *args), np.asarray(hvp_jax.dense_hessian(loss_jax, *args))
    exact = np.sort(np.linalg.eigvalsh(dense))[::-1]
    res = top_eigenvalues(mv, theta.size, k=3, tol=1e-10)
    np.testing.assert_allclose(res.values, exact[:3], rtol=1e-8)
    assert res.n_matvec > 0
    shift = abs(exact[-1])  # make the top eigenvalue the largest in magnitude
    pw = power_iteration(mv, theta.size, iters=5000, rtol=1e-12, shift=shift)
    np.testing.assert_allclose(pw.values[0], exact[0], rtol=1e-5)


def test_top_eigenvalues_on_a_diagonal_operator():
    d = np.linspace(-3.0, 10.0, 200)
    res = top_eigenvalues(lambda v: d * v, d.size, k=2, tol=1e-10)
    np.testing.assert_allclose(res.values, [10.0, d[-2]], rtol=1e-10)


def test_framework_neutral_modules_import_neither_torch_nor_jax():
    code = ("import sys, claimbench.hessian, claimbench.hessian.lanczos; "
            "bad = [m for m in ('torch', 'jax') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
