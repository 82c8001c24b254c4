"""`claimbench bench`: run the benchmark suite and keep its history; `history`; `compare BASE [HEAD]`.

    claimbench bench [-k EXPR] [--path FILE ...]           run, save into reports/bench/history, print the table
    claimbench bench history [-k TEXT]                     one table per benchmark over the saved runs
    claimbench bench compare BASE [HEAD] [--rounds 6] [--warmup 1] [--threshold 1.10] [-k EXPR] [--path FILE]
                                                           interleaved A/B on this machine; exit 1 on a slowdown
`bench` and `compare` rewrite reports/performance.html (history plots, latest comparison) afterwards.
"""
from __future__ import annotations

import re
from pathlib import Path

from claimbench.bench.suite import BenchError
from claimbench.bench.worker import WorkerError

ERRORS = (BenchError, WorkerError)


def _select(p) -> None:
    p.add_argument("--timer", default="cpu", choices=["cpu", "wall"],
                   help="cpu: CPU seconds of the benchmark process, blind to other processes on a shared machine "
                        "(default); wall: elapsed time (GPU kernels, sleeps, I/O)")
    p.add_argument("-k", dest="keyword", default=None, metavar="EXPR", help="pytest -k expression selecting benchmarks")
    p.add_argument("--path", dest="paths", action="append", default=[], metavar="FILE",
                   help="benchmark file or folder, relative to the repository root (default: benchmarks/)")


def add_parser(sub) -> None:
    """Register `bench` and its subcommands on the main parser's subparsers."""
    bench = sub.add_parser("bench", help="benchmarks: run and save into the history, `history`, `compare BASE [HEAD]`")
    _select(bench)
    inner = bench.add_subparsers(dest="bench_command", required=False, parser_class=type(bench))
    hist = inner.add_parser("history", help="one table per benchmark over the saved runs")
    hist.add_argument("-k", dest="keyword", default=None, metavar="TEXT", help="only benchmarks whose name holds TEXT")
    cmp_ = inner.add_parser("compare", help="interleaved A/B of BASE and HEAD on this machine; exit 1 on a slowdown")
    cmp_.add_argument("base", metavar="BASE", help="git revision to compare against (e.g. main, HEAD~1)")
    cmp_.add_argument("head", metavar="HEAD", nargs="?", default=None,
                      help="git revision (default: the working tree as it is, uncommitted edits included)")
    cmp_.add_argument("--rounds", default="6", help="timed rounds per side (default 6; at least 3)")
    cmp_.add_argument("--warmup", default="1", help="untimed rounds per side first (default 1)")
    cmp_.add_argument("--threshold", default="1.10",
                      help="fail when the 95 %% interval of HEAD/BASE lies wholly above this (default 1.10)")
    cmp_.add_argument("--respawn", default="1",
                      help="fresh worker processes every N rounds (default 1; 0: one pair throughout)")
    cmp_.add_argument("--raw", action="store_true",
                      help="compare raw times (default: each divided by a reference loop timed around it)")
    cmp_.add_argument("--json", dest="json_path", default=None, metavar="FILE",
                      help="where to write the result (default: reports/bench/compare/latest.json)")
    _select(cmp_)


def _int(raw: str, name: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", raw.strip()):
        raise BenchError(f"--{name} {raw[:40]!r}: expected a whole number")
    return int(raw)


def _ratio(raw: str) -> float:
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,6})?", raw.strip()):
        raise BenchError(f"--threshold {raw[:40]!r}: expected a ratio such as 1.10")
    return float(raw)


def run(args) -> int:
    """Dispatch `claimbench bench ...`; BenchError/WorkerError become one-line errors (exit 2) in the caller."""
    out = Path(args.out)
    if args.bench_command == "history":
        return _history(out, args.keyword)
    if args.bench_command == "compare":
        return _compare(args, out)
    return _run_suite(args, out)


def _run_suite(args, out: Path) -> int:
    from claimbench.bench import page, suite

    rc, saved = suite.run_suite(Path.cwd(), out, args.paths, args.keyword, args.timer)
    if saved is None:
        print(f"claimbench bench: pytest exited {rc}; nothing was saved")
        return rc if rc else 1
    for line in _ratios(saved):
        print(line)
    print(f"saved {saved}; performance page: {page.write(out)}")
    return rc


def _ratios(saved: Path) -> list[str]:
    """The ratios benchmarks recorded with record_ratio (extra_info keys named *_over_*), one line each."""
    from claimbench.bench import history

    run = history.read_run(saved)
    return [f"{key:<28} {value:9.3g}   {name.removeprefix('benchmarks/')}"
            for name, b in sorted(run.benchmarks.items()) for key, value in b["extra_info"].items()
            if "_over_" in key and isinstance(value, (int, float))]


def _history(out: Path, keyword: str | None) -> int:
    from claimbench.bench import history

    runs, broken = history.load(out)
    for line in broken:
        print(line)
    if not runs:
        print(f"no saved benchmark runs under {out / 'bench' / 'history'}: run `claimbench bench` first")
        return 1 if broken else 0
    print(f"{len(runs)} saved run(s), {runs[0].date[:10]} to {runs[-1].date[:10]} (UTC); times on a shared machine "
          "drift by 5-25 % between runs: gate with `claimbench bench compare`, not with this table")
    print(history.render(runs, keyword))
    return 1 if broken else 0


def _compare(args, out: Path) -> int:
    from claimbench.bench import compare, page

    opts = compare.Options(base=args.base, head=args.head, rounds=_int(args.rounds, "rounds"),
                           warmup=_int(args.warmup, "warmup"), threshold=_ratio(args.threshold),
                           respawn=_int(args.respawn, "respawn"),
                           paths=tuple(args.paths), keyword=args.keyword, timer=args.timer, normalize=not args.raw)
    code, path = compare.compare(opts, out, json_path=args.json_path)
    print(f"result: {path}; performance page: {page.write(out)}")
    return code
