"""Progress bars for long loops (tqdm on stderr); silent when CLAIMBENCH_QUIET=1."""
from __future__ import annotations

import os
from typing import Iterable, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None, leave: bool = False,
             position: int | None = None) -> Iterable[T]:
    """Wrap an iterable in a tqdm bar unless CLAIMBENCH_QUIET is set (`position`: its line, for
    several bars at once)."""
    quiet = os.environ.get("CLAIMBENCH_QUIET", "") not in ("", "0")
    return tqdm(iterable, desc=desc, total=total, leave=leave, disable=quiet, dynamic_ncols=True,
                position=position)
