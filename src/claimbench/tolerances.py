"""One tolerance table for numerical tests, keyed by dtype (as neural-tangents' `_DEFAULT_TOLERANCE`).

Two implementations of the same floating-point computation — torch vs jax, a factorised formula vs
autodiff — differ only by rounding, which grows with the number of operations. Tests compare them with
`tolerance(dtype, level)`:

- level "step": one kernel call or a few training steps (HVPs, a GD chunk, Taylor coefficients).
- level "metric": a claim's metric after a whole smoke-size experiment (hundreds of steps, Lanczos,
  sklearn fits on the outputs), as the paper battery compares the two backends.

A metric whose backends differ by more than rounding for a reason (chaotic dynamics amplify the last
bit) is listed in CHAOTIC with its own bound and the reason; nothing is skipped silently.
Method accuracy (an ODE solver's tolerance, a Lanczos tolerance) is not rounding: it stays in the test.
"""
from __future__ import annotations

import numpy as np

#            level: (rtol, atol)
TOLERANCE: dict[str, dict[str, tuple[float, float]]] = {
    # float64: 2^-52 ≈ 2e-16 per operation; 1e-9 leaves ~10^6 operations of accumulated rounding
    "float64": {"step": (1e-9, 1e-12), "metric": (1e-6, 1e-12)},
    # float32: 2^-23 ≈ 1e-7 per operation; one factorised NTK stays within 1e-5, a few SGD steps 1e-3
    "float32": {"step": (1e-5, 1e-6), "metric": (1e-3, 1e-5)},
}

# claim id -> (rtol, atol, reason): backends agree to this, not to the dtype's "metric" row.
# Measured torch vs jax at smoke size (2 cores, CPU): every other claim agrees to ≤ 1.3e-7 relative.
CHAOTIC: dict[str, tuple[float, float, str]] = {
    "edge_of_stability.taylor_closed_form_matches_autodiff": (
        1.0, 1e-14, "the metric is itself float64 rounding (~2e-16): the backends agree in magnitude only"),
    "edge_of_stability.taylor_remainder_is_small": (
        1e-4, 1e-12, "the remainder L(η) − (a1η + a2η² + a3η³) is ~1e-9 of L, so cancellation lifts rounding "
                     "to ~1e-6 of it (measured 4.4e-6 relative, 1.7e-14 absolute)"),
}


def tolerance(dtype: str = "float64", level: str = "step") -> dict[str, float]:
    """{'rtol': ..., 'atol': ...} for comparing two implementations in `dtype` at `level`."""
    if dtype not in TOLERANCE:
        raise KeyError(f"no tolerance for dtype {dtype!r}; known: {', '.join(TOLERANCE)}")
    rtol, atol = TOLERANCE[dtype][level]
    return {"rtol": rtol, "atol": atol}


def metric_tolerance(claim_id: str, dtype: str = "float64") -> tuple[float, float, str]:
    """(rtol, atol, reason) for a claim's metric across backends: CHAOTIC's entry, else the dtype's row."""
    if claim_id in CHAOTIC:
        return CHAOTIC[claim_id]
    rtol, atol = TOLERANCE[dtype]["metric"]
    return rtol, atol, f"{dtype} rounding over a smoke-size experiment"


def assert_close(actual, desired, dtype: str = "float64", level: str = "step", err_msg: str = "") -> None:
    """np.testing.assert_allclose with the table's tolerance for dtype and level."""
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(desired, dtype=float),
                               err_msg=err_msg, **tolerance(dtype, level))
