"""Benchmarks that exist to show a ratio (HVP/gradient, torch/jax, after/before): time both sides
interleaved, record the ratio in pytest-benchmark's extra_info, and check it against a sanity range.

    def test_hvp_vs_gradient(benchmark):
        benchmark.pedantic(hvp, rounds=10, warmup_rounds=1)          # the tracked timing
        record_ratio(benchmark, "hvp_over_grad", ("hvp", hvp), ("grad", grad), bounds=(0.5, 20))

The two callables alternate (num den, den num, ...), so machine drift during the measurement hits both
alike; the ratio is of the medians. The sanity range catches a broken kernel (an HVP as cheap as
nothing, a gradient 100x slower), not a slowdown: gate speed with `claimbench bench compare`.
"""
from __future__ import annotations

import os
import statistics
import time
from typing import Callable

Timed = tuple[str, Callable[[], object]]


def _clock() -> Callable[[], float]:
    """The clock `claimbench bench` times with (CLAIMBENCH_TIMER=cpu: process CPU time), else wall time,
    pytest-benchmark's default: a ratio is of the same kind of time as the benchmark's own."""
    return time.process_time if os.environ.get("CLAIMBENCH_TIMER") == "cpu" else time.perf_counter


def _time(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of fn, over `number` calls."""
    clock = _clock()
    t0 = clock()
    for _ in range(number):
        fn()
    return (clock() - t0) / number


def time_interleaved(num: Callable[[], object], den: Callable[[], object], repeat: int = 7,
                     number: int = 1) -> tuple[list[float], list[float]]:
    """Per-call seconds of num and den over `repeat` alternating repetitions (each side goes first half the time)."""
    t_num, t_den = [], []
    for i in range(repeat):
        order = ((num, t_num), (den, t_den)) if i % 2 == 0 else ((den, t_den), (num, t_num))
        for fn, out in order:
            out.append(_time(fn, number))
    return t_num, t_den


def record_ratio(benchmark, name: str, num: Timed, den: Timed, *, bounds: tuple[float, float],
                 repeat: int = 7, number: int = 1) -> float:
    """Store extra_info[name] = median(num)/median(den) and ms_<label> of each side; raise if outside bounds."""
    (num_label, num_fn), (den_label, den_fn) = num, den
    t_num, t_den = time_interleaved(num_fn, den_fn, repeat, number)
    # ratio of medians of per-call times: robust to a few slow repetitions on a shared machine
    ratio = statistics.median(t_num) / statistics.median(t_den)
    benchmark.extra_info.update({name: ratio, f"ms_{num_label}": 1e3 * statistics.median(t_num),
                                 f"ms_{den_label}": 1e3 * statistics.median(t_den)})
    lo, hi = bounds
    if not lo <= ratio <= hi:
        raise AssertionError(f"{name} = {num_label}/{den_label} = {ratio:.3g} is outside its sanity range "
                             f"[{lo:g}, {hi:g}]")
    return ratio
