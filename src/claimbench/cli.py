"""The `claimbench` command: list | run | report | summary | check | sweep | new | assignment | bench.

    claimbench list [--show-params]
    claimbench run three_mechanisms [--profile fast] [--backend torch|jax|all] [--device cpu|cuda|auto]
                   [--seeds N] [--set key=value ...] [--threads N]
                   # with --set or --seeds: a variant, written to reports/variants/... (claimbench.variants)
    claimbench report [--profile P|all] [--variants]   # reports/index.html, summary.md, verdicts.csv
    claimbench summary [--profile P|all] [--variants]  # print the verdict table and where the report is
    claimbench check [--profile P|all] [--variants]    # exit 1 if any claim is FAIL or ERROR
    claimbench check --baseline FILE|REV [--margin-drop 0.5]   # exit 1 only on what changed for the worse
    claimbench sweep PAPER --grid KEY=V1,V2 ... | --name SWEEP   # see claimbench.sweep.command
    claimbench bench [history | compare BASE [HEAD]]   # benchmarks: run and save, history, A/B gate
    claimbench new SLUG --title T --arxiv ID [--authors A] [--root .]   # scaffold papers/SLUG
    claimbench assignment build|grade PAPER ...   # course assignments (claimbench.course.cli)
    (P defaults to suite.profile in params.yaml, the profile `dvc repro` runs)

Exit codes: 0 ok; 1 `check` found FAIL, ERROR or BROKEN; 2 bad input, or the run folder is busy with
another run (one line on stderr, nothing written); 3 results could not be written (disk full...: the
previous results are kept); 4 internal error (a bug: CLAIMBENCH_DEBUG=1 adds the traceback);
130 interrupted (Ctrl-C), 143 terminated (SIGTERM), both without partial results.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import signal
import sys
import threading
import traceback
from pathlib import Path

from claimbench import drift, registry
from claimbench.bench import cli as bench_cli
from claimbench.claims import PROFILES
from claimbench.course import cli as course_cli
from claimbench.devices import DEVICES
from claimbench.params import ParamsError, describe, parse_set, show, show_path, suite_profile


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs."""


def _on_sigterm(signum, frame):
    raise _Terminated()


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="claimbench", description="Reproduce the claims of deep-learning theory papers.")
    p.add_argument("--out", default="reports", help="report folder (default: reports)")
    p.add_argument("--params", dest="params", default="params.yaml", help="parameter file (default: params.yaml)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="papers, claims and where each claim comes from")
    ls.add_argument("--show-params", dest="show_params", action="store_true", help="also list each paper's parameters")
    run = sub.add_parser("run", help="run papers' experiments and evaluate their claims")
    run.add_argument("papers", nargs="+", metavar="PAPER")
    run.add_argument("--profile", default="fast", choices=PROFILES)
    run.add_argument("--backend", default="torch", choices=[*registry.BACKENDS, "all"])
    run.add_argument("--device", default="cpu", choices=DEVICES)
    run.add_argument("--seeds", default=None, help="seeds per claim (default: each claim's own)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override one param of the profile (PAPER.KEY=VALUE when running several papers)")
    run.add_argument("--threads", default=None, help="BLAS/torch threads (default: $CLAIMBENCH_THREADS or 1)")
    run.add_argument("--jobs", default="1", help="worker processes that share the runs' experiments "
                     "(default: 1, in this process)")
    course_cli.add_parser(sub, _Parser)
    for name, text in (("report", "build reports/index.html, summary.md, verdicts.csv"),
                       ("summary", "print the verdict table"), ("check", "exit 1 if any claim FAILs or ERRORs")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--profile", default=None, choices=[*PROFILES, "all"],
                        help="profile to show (default: suite.profile of params.yaml, as dvc repro runs)")
        sp.add_argument("--variants", action="store_true",
                        help="also show variant runs (--set / --seeds / sweep points), badged")
    drift.add_arguments(sub.choices["check"])
    from claimbench.sweep.command import add_parser

    add_parser(sub)
    _add_new(sub)
    bench_cli.add_parser(sub)
    return p


def _add_new(sub) -> None:
    new = sub.add_parser("new", help="scaffold papers/SLUG with one example claim, its params, test and benchmark")
    new.add_argument("slug", metavar="SLUG", help="folder and claim-id prefix, e.g. grokking_modular")
    new.add_argument("--title", required=True, help="the paper's title")
    new.add_argument("--arxiv", required=True, help="arXiv id with version, e.g. 2401.07085v3")
    new.add_argument("--authors", default="", help="the paper's authors")
    new.add_argument("--root", default=".", help="repository root to write into (default: .)")


def cmd_list(args) -> int:
    from claimbench.sweep.spec import named_sweeps

    params_path = Path(args.params)
    for slug in registry.discover_papers():
        paper = registry.load_paper(slug)
        print(f"{slug}: {paper.info.authors}, \"{paper.info.title}\" (arXiv {paper.info.arxiv})")
        for c in paper.claims:
            where = "" if set(c.profiles) == set(PROFILES) else f"  [profiles: {', '.join(c.profiles)}]"
            print(f"  {c.name:<34} {c.statement}\n  {'':<34} source: {c.source}{where}")
        if args.show_params:
            for name, tp, doc in describe(paper.params_cls):
                print(f"    param {name} ({tp}): {doc}")
        for s in (named_sweeps(params_path, slug) if params_path.is_file() else {}).values():
            n = 1
            for _, values in s.grid:
                n *= len(values)
            print(f"  sweep {s.name}: {' x '.join(s.keys)} ({n} points, {s.profile}, {', '.join(s.backends)})"
                  + (f": {s.doc}" if s.doc else ""))
    return 0


def _overrides_for(paper: str, overrides: dict, papers: list[str]) -> dict:
    """The `--set` values meant for `paper`: KEY=V when one paper runs, PAPER.KEY=V always."""
    out, many = {}, len(papers) > 1
    for key, value in overrides.items():
        prefix, dot, rest = key.partition(".")
        if dot and prefix in registry.discover_papers():
            if prefix not in papers:
                raise ParamsError(f"--set {key}: paper {prefix!r} is not among the papers being run")
            if prefix == paper:
                out[rest] = value
        elif many:
            raise ParamsError(f"--set {key}: with several papers, name the paper: PAPER.{key}=...")
        else:
            out[key] = value
    return out


def _count(raw: str, where: str, hi: int) -> int:
    """A small positive integer written in ASCII digits, or ParamsError naming `where`."""
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= hi:
        raise ParamsError(f"{where} {show(raw)}: "
                          f"expected an integer in [1, {hi}]")
    return int(text)


def _threads(value: str | None) -> int:
    from claimbench.runner import MAX_THREADS

    if value is not None:
        return _count(value, "--threads", MAX_THREADS)
    return _count(os.environ.get("CLAIMBENCH_THREADS", "1"), "CLAIMBENCH_THREADS", MAX_THREADS)


def _seeds(value: str | None) -> int | None:
    from claimbench.runner import MAX_SEEDS

    return None if value is None else _count(value, "--seeds", MAX_SEEDS)


def _out_dir(raw: str) -> Path:
    """--out, checked before any work: a folder, or a path whose nearest existing parent is a folder."""
    if not raw or "\x00" in raw:
        raise UsageError(f"--out {show(raw)}: expected a folder path")
    path = Path(raw)
    try:
        if path.exists() and not path.is_dir():
            raise UsageError(f"--out {show_path(raw)}: exists and is not a folder")
        parent = path
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise UsageError(f"--out {show_path(raw)}: {show_path(parent)} is not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"--out {show_path(raw)}: {show_path(parent)} is not writable")
    except OSError as exc:
        raise UsageError(f"--out {show_path(raw)}: {exc.strerror or exc}") from None
    return path


def _profile(args) -> str | None:
    """The profile report/summary/check show: --profile, else suite.profile of params.yaml; 'all' = every one."""
    if args.profile:
        return None if args.profile == "all" else args.profile
    return suite_profile(Path(args.params))


def _print_broken(df) -> None:
    for r in df[df.status == "BROKEN"].itertuples():
        print(f"BROKEN {r.paper} [{r.backend}/{r.profile}] {r.message}")


def cmd_run(args) -> int:
    from claimbench import results, runner

    out = _out_dir(args.out)
    threads, seeds, jobs = _threads(args.threads), _seeds(args.seeds), _count(args.jobs, "--jobs", 64)
    overrides = parse_set(args.overrides)
    backends = registry.BACKENDS if args.backend == "all" else (args.backend,)
    shared = jobs > 1 and len(dict.fromkeys(args.papers)) * len(backends) > 1
    builds = [dict(paper=paper, backend=backend, profile=args.profile, params_path=Path(args.params),
                   overrides=_overrides_for(paper, overrides, args.papers), device=args.device, seeds=seeds,
                   threads=threads) for paper in dict.fromkeys(args.papers) for backend in backends]
    # shared: the workers set their own threads and start the frameworks
    specs = [runner.make_spec(**b, configure=not shared) for b in builds]
    if shared and args.device == "cuda":  # absent CUDA: one error here, not one per worker
        from claimbench.devices import resolve_device

        for backend in backends:
            resolve_device("cuda", backend)
    with contextlib.ExitStack() as locks:  # refuse at once if another run holds any of the folders
        for spec in specs:
            locks.enter_context(results.run_lock(spec.folder(out)))
        if shared:
            from claimbench import jobs as shared_pool

            # the table's pandas (~0.3 s) loads while the workers start, not after the last run
            load = threading.Thread(target=importlib.import_module, args=("claimbench.report.build",))
            load.start()
            rc = shared_pool.run_shared(builds, specs, out, jobs)
            if rc:
                return rc
        else:
            for spec in specs:
                runner.execute(spec, out)
    from claimbench.report.build import collect_folders, terminal_table

    df = collect_folders(out, [(spec.folder(out), spec.variant) for spec in specs])
    print(terminal_table(df))
    _print_broken(df)
    where = sorted({str(spec.folder(out).parent) for spec in specs})
    note = " (a variant: `claimbench report --variants` shows it)" if any(s.variant for s in specs) else ""
    print(f"results: {', '.join(where)}{note}  (build the report with `claimbench report`)")
    return 0


def cmd_report(args) -> int:
    from claimbench.report.build import build, terminal_table

    out, profile = _out_dir(args.out), _profile(args)
    df = build(out, profile, args.variants)
    print(terminal_table(df))
    _print_broken(df)
    print(f"report: {Path(args.out) / 'index.html'}  (table: {Path(args.out) / 'summary.md'})")
    return 0


def cmd_summary(args) -> int:
    from claimbench.report.build import collect, terminal_table

    out, profile = _out_dir(args.out), _profile(args)
    df = collect(out, profile, args.variants)
    print(terminal_table(df))
    _print_broken(df)
    print(f"report: {(out / 'index.html').resolve()}")
    return 0


def cmd_check(args) -> int:
    from claimbench.report.build import collect

    out, profile = _out_dir(args.out), _profile(args)
    try:  # a bad --baseline or --margin-drop is reported before any result is read
        drop = drift.margin_drop(args.margin_drop)
        if args.baseline is not None and args.variants:
            raise drift.BaselineError("--baseline compares the canonical runs: use it without --variants")
        baseline = None if args.baseline is None else drift.read_baseline(args.baseline, out)
    except drift.BaselineError as exc:
        raise UsageError(str(exc)) from None
    df = collect(out, profile, args.variants)
    if df.empty:
        raise UsageError(f"no results under {show_path(out / 'runs')}: run `claimbench run PAPER` first")
    if baseline is not None:
        return _check_baseline(df, *baseline, drop)
    bad = df[df.status.isin(["FAIL", "ERROR"])]
    for r in bad.itertuples():
        print(f"{r.status} {r.paper}.{r.claim} [{r.backend}/{r.profile}] measured {r.measured} expected "
              f"{r.expected} {r.message}".rstrip())
    _print_broken(df)
    broken = int((df.status == "BROKEN").sum())
    print(f"{len(df) - len(bad) - broken} of {len(df)} claim verdicts are PASS or SKIP"
          + (f"; {broken} run folder(s) BROKEN" if broken else ""))
    bad = len(bad) + broken
    return 1 if bad else 0


def _check_baseline(df, baseline, label: str, margin_drop: float) -> int:
    lines, failing = drift.report(df, baseline, label, margin_drop)
    print("\n".join(lines))
    _print_broken(df)
    return 1 if failing or (df.status == "BROKEN").any() else 0


def cmd_new(args) -> int:
    from claimbench import scaffold

    try:
        written = scaffold.create(scaffold.NewPaper(args.slug, args.title, args.arxiv, args.authors), Path(args.root))
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    print("wrote " + ", ".join(written))
    print(f"next: claimbench run {args.slug} --backend all --profile smoke; then replace the example claim "
          f"(docs/adding_a_paper.md)")
    return 0


def cmd_sweep(args) -> int:
    from claimbench.sweep import command

    return command.run(args, _out_dir(args.out), _threads(args.threads), _seeds)


def cmd_bench(args) -> int:
    try:
        return bench_cli.run(args)
    except bench_cli.ERRORS as exc:
        raise UsageError(str(exc)) from None


COMMANDS = {"list": cmd_list, "run": cmd_run, "report": cmd_report, "summary": cmd_summary, "check": cmd_check,
            "sweep": cmd_sweep, "new": cmd_new, "assignment": course_cli.main, "bench": cmd_bench}


def _say(prefix: str, message: object) -> None:
    """Print one line on stderr whatever the message holds (control characters escaped, length capped)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))
    print(f"claimbench: {prefix}{text[:2000]}", file=sys.stderr)


def _os_error(exc: OSError) -> str:
    from claimbench import results

    return f"{results.os_error_line(exc)}; {results.KEPT}"


def _run(argv: list[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ParamsError) as exc:
        _say("error: ", exc)
        return 2
    except Exception as exc:  # noqa: BLE001 - run-folder busy, disk full, last resort
        from claimbench.results import RunBusy

        if isinstance(exc, RunBusy):
            _say("error: ", exc)
            return 2
        if isinstance(exc, BrokenPipeError):  # `claimbench list | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
        if isinstance(exc, OSError):
            _say("error: ", _os_error(exc))
            return 3
        if os.environ.get("CLAIMBENCH_DEBUG", "") not in ("", "0"):
            traceback.print_exc()
        _say("internal error: ", f"{type(exc).__name__}: {exc} (CLAIMBENCH_DEBUG=1 shows the traceback)")
        return 4


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input gives one line on stderr and exit code 2; SIGTERM is handled like Ctrl-C."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        return _run(argv)
    except _Terminated:
        _say("", "terminated (SIGTERM); no partial results were written")
        return 143
    except KeyboardInterrupt:
        _say("", "interrupted; no partial results were written")
        return 130
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
