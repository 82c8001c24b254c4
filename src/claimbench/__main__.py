"""`python -m claimbench ...` (and the `claimbench` script): pin threads, then hand over to the CLI.

The thread count goes into the environment before anything imports numpy, torch or jax, so a run
gives the same numbers whether it is launched from a bare shell, `make`, `python -m` or `dvc repro`.
"""
from __future__ import annotations

import sys

from claimbench.threads import set_thread_env, threads_from_argv


def main(argv: list[str] | None = None) -> int:
    """Set the thread environment from --threads / $CLAIMBENCH_THREADS, then run the command line."""
    argv = sys.argv[1:] if argv is None else list(argv)
    threads = threads_from_argv(argv)
    if threads is not None:  # a bad value is left to the CLI, which rejects it in one line
        set_thread_env(threads)
    from claimbench.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
