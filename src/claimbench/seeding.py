"""Seeds shared by both backends: initial weights and data are drawn here, with numpy."""
from __future__ import annotations

import zlib

import numpy as np


def make_rng(seed: int, stream: str = "") -> np.random.Generator:
    """A numpy Generator for (seed, stream); the same pair gives the same numbers in any backend."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(stream.encode())]))
