"""Progress bars for long loops (tqdm on stderr); silent when CLAIMBENCH_QUIET=1."""
from __future__ import annotations

import os
import threading
from typing import Iterable, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")
# tqdm's default write lock holds a multiprocessing semaphore. A claimbench process shares its bars'
# lock with no other process (workers are spawned, not forked), and a worker stopped by terminate()
# left that semaphore to the resource tracker, which warned "leaked semaphore" at the end of a stage
tqdm.set_lock(threading.RLock())


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None, leave: bool = False,
             position: int | None = None) -> Iterable[T]:
    """Wrap an iterable in a tqdm bar unless CLAIMBENCH_QUIET is set (`position`: its line, for
    several bars at once)."""
    quiet = os.environ.get("CLAIMBENCH_QUIET", "") not in ("", "0")
    return tqdm(iterable, desc=desc, total=total, leave=leave, disable=quiet, dynamic_ncols=True,
                position=position)
