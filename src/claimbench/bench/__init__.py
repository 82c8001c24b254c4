"""Performance-regression tracking on top of pytest-benchmark.

    suite.py     run benchmarks/bench_*.py, save the JSON with commit, date, machine and versions
    history.py   read the saved runs back; one table per benchmark
    compare.py   the interleaved A/B gate: BASE in a temporary git worktree, rounds A B B A ...
    stats.py     ratio of medians HEAD/BASE with a paired bootstrap 95 % interval
    ratio.py     `record_ratio`: time two callables interleaved, store their ratio in extra_info
    page.py      reports/performance.html (history plots, latest comparison), offline
    cli.py       `claimbench bench [history|compare]`

Importing this package imports neither torch nor jax.
"""
from claimbench.bench.ratio import record_ratio

__all__ = ["record_ratio"]
