"""Hessian-vector products (torch and jax, same signatures) and top Hessian eigenvalues.

`claimbench.hessian.lanczos` is framework-neutral (numpy/scipy): it takes any numpy matvec.
The backends live in `hvp_torch` and `hvp_jax`; import the one you need explicitly, so that
importing this package never imports torch or jax:

    from claimbench.hessian import top_eigenvalues            # numpy only
    from claimbench.hessian import hvp_torch                  # imports torch
    op = hvp_torch.make_matvec(loss_fn, theta, *args)        # numpy -> numpy, H(theta) v
    top_eigenvalues(op, dim=theta.numel(), k=1, tol=1e-4)

Method as in Cohen et al. (ICLR 2021, arXiv:2103.00065, `src/utilities.py`): HVPs fed to Lanczos,
with power iteration as a check. Our Lanczos stops once the top Ritz values have converged (ARPACK's
residual test) and is warm-started from the previous measurement's eigenvector: 8-12 HVPs where
`eigsh`'s fixed Krylov size takes 21 (benchmarks/bench_hessian.py); slow cases end in `eigsh`.
"""
from claimbench.hessian.lanczos import EigResult, power_iteration, top_eigenvalues

__all__ = ["EigResult", "power_iteration", "top_eigenvalues"]
