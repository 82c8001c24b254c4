"""Cost of the outer MFLD step (exact Cholesky second layer + noisy gradient step), torch vs jax
(Takakura & Suzuki 2024, arXiv 2403.14917).

Each round is one chunk of STEPS steps through the backend's `ops.simulate` (one lax.scan in jax,
compiled in the warm-up round) at the fast profile's n = 300 samples, d = 15, float64, the paper's Sec. 6
constants (PAPER_SEC6), with N = 200 particles (Woodbury: an N x N system) and N = 400 (an n x n system).
extra_info has ms per step; test_torch_over_jax records the torch/jax time ratio of the same chunk.
"""
from __future__ import annotations

import numpy as np
import pytest

from claimbench.bench import record_ratio
from papers.two_timescale_mean_field import data as data_mod
from papers.two_timescale_mean_field.config import PAPER_SEC6
from papers.two_timescale_mean_field.experiments import Hyper

pytestmark = pytest.mark.benchmark(group="two_timescale_mean_field")
STEPS = 20  # steps per round (one noise chunk)
N_SAMPLES, D = 300, 15
HYPER = Hyper(PAPER_SEC6["eta"], PAPER_SEC6["temperature"], PAPER_SEC6["lambda_w"], PAPER_SEC6["lambda_a"])
# the two backends run the same float64 arithmetic; beyond 100x apart one of them is broken, not slow
TORCH_OVER_JAX = (0.01, 100.0)


def _chunk(kit, backend: str, n_particles: int):
    """A zero-argument callable running one chunk of STEPS MFLD steps from the same W0 (numpy out)."""
    ops = kit.ops("two_timescale_mean_field", backend)
    data = data_mod.make_data(0, D, N_SAMPLES, 10)
    W0 = data_mod.init_weights(0, n_particles, D, PAPER_SEC6["init_std"])
    chunk = next(data_mod.noise_chunks(0, STEPS, STEPS, n_particles, D + 1, N_SAMPLES))
    y = data.labels(1.0)

    def run():
        return ops.simulate(data.Xa, y, W0, [chunk], HYPER, 1.0)[0][-1]

    run()  # compile (jax) outside the timing
    return run


def _info(benchmark, kit, **more):
    benchmark.extra_info.update(device=kit.device, dtype="float64", n=N_SAMPLES, d=D, steps_per_round=STEPS, **more)


@pytest.mark.parametrize("n_particles", [200, 400])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mfld_steps(benchmark, kit, backend, n_particles):
    W = benchmark.pedantic(_chunk(kit, backend, n_particles), rounds=5, iterations=1, warmup_rounds=1)
    assert np.all(np.isfinite(W))
    _info(benchmark, kit, backend=backend, N=n_particles)
    if benchmark.stats:
        benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.median / STEPS


def test_torch_over_jax(benchmark, kit):
    torch_run, jax_run = _chunk(kit, "torch", 400), _chunk(kit, "jax", 400)
    benchmark.pedantic(torch_run, rounds=3, iterations=1)
    _info(benchmark, kit, backend="torch/jax", N=400)
    record_ratio(benchmark, "torch_over_jax", ("torch", torch_run), ("jax", jax_run), bounds=TORCH_OVER_JAX, repeat=5)
