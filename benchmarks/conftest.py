"""Shared helpers for the benchmark suites (pytest-benchmark; run them with `claimbench bench`).

Conventions every benchmarks/bench_<slug>.py follows (docs in README, "Tracking performance"):
- `pytestmark = pytest.mark.benchmark(group="<slug>")`: one group (one table, one history plot) per paper;
- kernels are reached through the paper's public backend API (`make_ops("cpu")` and the Ops it returns),
  so renames inside a paper's implementation do not break the suite;
- `benchmark.extra_info` carries the context: backend, sizes, dtype, device, steps per round;
- a benchmark that exists to show a ratio records it with `claimbench.bench.record_ratio` (a value in
  extra_info, checked against a sanity range), e.g. HVP/gradient, torch/jax, after/before.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("CLAIMBENCH_QUIET", "1")  # no progress bars inside timed loops

ROOT = Path(__file__).resolve().parents[1]


class Kit:
    """What a benchmark needs from a paper: its fast-profile params and its backends' kernels on the CPU."""

    device = "cpu"

    def fast(self, params_cls, slug: str):
        """The paper's `fast` profile from params.yaml, validated."""
        from claimbench.params import load

        return load(params_cls, ROOT / "params.yaml", slug, "fast")

    def ops(self, slug: str, backend: str):
        """`make_ops(device)` of papers/<slug>/<backend>_impl (skips the benchmark if the backend is missing)."""
        impl = pytest.importorskip(f"papers.{slug}.{backend}_impl")
        return impl.make_ops(self.device)


@pytest.fixture
def kit() -> Kit:
    return Kit()
