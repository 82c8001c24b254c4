"""Bind experiments written once, framework-neutrally, to one backend's numerical kernels.

Most papers write an experiment once in numpy — data, initial weights, the protocol, the measurements —
and ask the backend only for its kernels (a GD simulator, a network class, an optimiser). Such an
experiment is `fn(params, seed, ops)`; a backend module builds its EXPERIMENTS with
`bind(functions, make_ops)`, where `make_ops(device)` returns that backend's kernels. Both backends
then share experiment names and measurement keys by construction.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

Experiment = Callable[[Any, int, str], dict]


def bind(functions: Mapping[str, Callable[[Any, int, Any], dict]], make_ops: Callable[[str], Any]) -> dict:
    """{name: experiment(params, seed, device)} running fn(params, seed, make_ops(device))."""

    def one(name: str, fn: Callable) -> Experiment:
        def experiment(params, seed: int, device: str) -> dict:
            return fn(params, seed, make_ops(device))

        experiment.__name__ = experiment.__qualname__ = name
        experiment.__doc__ = fn.__doc__
        return experiment

    return {name: one(name, fn) for name, fn in functions.items()}
