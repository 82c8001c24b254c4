"""Resolve `--device cpu|cuda|auto` for a backend; frameworks are imported only inside the functions."""
from __future__ import annotations

from claimbench.params import ParamsError

DEVICES = ("cpu", "cuda", "auto")


def cuda_available(backend: str) -> bool:
    """Whether the backend sees a CUDA GPU."""
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    import jax

    return any(d.platform == "gpu" for d in jax.devices())


def resolve_device(device: str, backend: str) -> str:
    """Return 'cpu' or 'cuda'; 'auto' picks cuda when present; asking for absent cuda is an error."""
    if device not in DEVICES:
        raise ParamsError(f"--device {device!r}: choose one of {', '.join(DEVICES)}")
    if device == "cpu":
        return "cpu"
    has = cuda_available(backend)
    if device == "cuda" and not has:
        raise ParamsError(f"--device cuda: {backend} sees no CUDA GPU on this machine (use cpu or auto)")
    return "cuda" if has else "cpu"


def jax_device(device: str):
    """The jax Device for a resolved device name: the first GPU for 'cuda', else the first CPU."""
    import jax

    return jax.devices("gpu" if device == "cuda" else "cpu")[0]
