"""Cost of one outer MFLD step (exact Cholesky second layer + noisy gradient), torch vs jax, at the fast
profile's n = 300 with N = 200 (Woodbury, N x N system) and N = 400 (n x n system).

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_two_timescale_mean_field.py \
         -o python_files="bench_*.py" --benchmark-only
Each round runs a chunk of STEPS steps; extra_info has the per-step time. The machine is shared and
noisy: compare medians and the torch/jax ratio, never one timing.
"""
from __future__ import annotations

import numpy as np
import pytest

from papers.two_timescale_mean_field import data as data_mod
from papers.two_timescale_mean_field.config import PAPER_SEC6
from papers.two_timescale_mean_field.experiments import Hyper

STEPS = 20  # steps per benchmark round (one chunk: one jax scan call)
HYPER = Hyper(PAPER_SEC6["eta"], PAPER_SEC6["temperature"], PAPER_SEC6["lambda_w"], PAPER_SEC6["lambda_a"])


def _inputs(n: int, n_particles: int, d: int = 15):
    data = data_mod.make_data(0, d, n, 10)
    W0 = data_mod.init_weights(0, n_particles, d, PAPER_SEC6["init_std"])
    zeta, xi = next(data_mod.noise_chunks(0, STEPS, STEPS, n_particles, d + 1, n))
    return data.Xa, data.labels(1.0), W0, zeta, xi


def _torch_chunk(Xa, y, W0, zeta, xi):
    import torch

    from papers.two_timescale_mean_field import torch_impl

    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    Xa, y, W0, zeta, xi = map(t, (Xa, y, W0, zeta, xi))

    def run():
        W = W0
        with torch.no_grad():
            for k in range(STEPS):
                W, _ = torch_impl.mfld_step(W, Xa, y, zeta[k], xi[k], HYPER, 1.0)
        return W

    return run


def _jax_chunk(Xa, y, W0, zeta, xi):
    import jax.numpy as jnp

    from papers.two_timescale_mean_field import jax_impl

    args = [jnp.asarray(a) for a in (W0, Xa, y, zeta, xi)]
    scale = jnp.asarray(1.0)

    def run():
        W, g = jax_impl.run_chunk(*args, HYPER, scale, noisy=True)
        return W.block_until_ready()

    run()  # compile outside the timing
    return run


@pytest.mark.parametrize("n_particles", [200, 400])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mfld_outer_step(benchmark, backend, n_particles):
    n = 300
    pytest.importorskip(backend)
    run = (_torch_chunk if backend == "torch" else _jax_chunk)(*_inputs(n, n_particles))
    W = benchmark(run)
    assert np.all(np.isfinite(np.asarray(W)))
    benchmark.extra_info.update(backend=backend, N=n_particles, n=n, d=15, steps_per_round=STEPS,
                                per_step_ms=1e3 * benchmark.stats.stats.median / STEPS)
