"""The `claimbench` command: list | run | report | summary | check.

    claimbench list [--show-params]
    claimbench run three_mechanisms [--profile fast] [--backend torch|jax|all] [--device cpu|cuda|auto]
                   [--seeds N] [--set key=value ...] [--threads N]
    claimbench report [--profile P|all]    # reports/index.html, summary.md, verdicts.csv from reports/runs
    claimbench summary [--profile P|all]   # print the verdict table and where the report is
    claimbench check [--profile P|all]     # exit 1 if any claim is FAIL or ERROR
    claimbench assignment build|grade PAPER ...   # course assignments (claimbench.course.cli)
    (P defaults to suite.profile in params.yaml, the profile `dvc repro` runs)

Exit codes: 0 ok, 1 `check` found FAIL/ERROR, 2 bad input (one line on stderr, nothing written), 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from claimbench import registry
from claimbench.claims import PROFILES
from claimbench.course import cli as course_cli
from claimbench.devices import DEVICES
from claimbench.params import ParamsError, describe, parse_set, read_yaml


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


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
    run.add_argument("--seeds", type=int, default=None, help="seeds per claim (default: each claim's own)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override one param of the profile (PAPER.KEY=VALUE when running several papers)")
    run.add_argument("--threads", default=None, help="BLAS/torch threads (default: $CLAIMBENCH_THREADS or 1)")
    course_cli.add_parser(sub, _Parser)
    for name, text in (("report", "build reports/index.html, summary.md, verdicts.csv"),
                       ("summary", "print the verdict table"), ("check", "exit 1 if any claim FAILs or ERRORs")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("--profile", default=None, choices=[*PROFILES, "all"],
                        help="profile to show (default: suite.profile of params.yaml, as dvc repro runs)")
    return p


def cmd_list(args) -> int:
    for slug in registry.discover_papers():
        paper = registry.load_paper(slug)
        print(f"{slug}: {paper.info.authors}, \"{paper.info.title}\" (arXiv {paper.info.arxiv})")
        for c in paper.claims:
            where = "" if set(c.profiles) == set(PROFILES) else f"  [profiles: {', '.join(c.profiles)}]"
            print(f"  {c.name:<34} {c.statement}\n  {'':<34} source: {c.source}{where}")
        if args.show_params:
            for name, tp, doc in describe(paper.params_cls):
                print(f"    param {name} ({tp}): {doc}")
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


def _threads(value: str | None) -> int:
    raw = value if value is not None else os.environ.get("CLAIMBENCH_THREADS", "1")
    if not raw.strip().isdigit() or int(raw) < 1:
        where = "--threads" if value is not None else "CLAIMBENCH_THREADS"
        raise ParamsError(f"{where} {raw!r}: expected an integer >= 1")
    return int(raw)


def _profile(args) -> str | None:
    """The profile report/summary/check show: --profile, else suite.profile of params.yaml; 'all' = every one."""
    if args.profile:
        return None if args.profile == "all" else args.profile
    suite = read_yaml(Path(args.params)).get("suite", {}) if Path(args.params).exists() else {}
    profile = suite.get("profile") if isinstance(suite, dict) else None
    return profile if profile in PROFILES else None


def cmd_run(args) -> int:
    from claimbench import runner
    from claimbench.report.build import collect, terminal_table

    threads = _threads(args.threads)
    overrides = parse_set(args.overrides)
    backends = registry.BACKENDS if args.backend == "all" else (args.backend,)
    specs = [runner.make_spec(paper, backend, args.profile, params_path=Path(args.params),
                              overrides=_overrides_for(paper, overrides, args.papers),
                              device=args.device, seeds=args.seeds, threads=threads)
             for paper in dict.fromkeys(args.papers) for backend in backends]
    for spec in specs:
        runner.execute(spec, Path(args.out))
    df = collect(Path(args.out), args.profile)
    df = df[df.paper.isin(args.papers) & df.backend.isin(backends)]
    print(terminal_table(df))
    print(f"results: {Path(args.out) / 'runs'}  (build the report with `claimbench report`)")
    return 0


def cmd_report(args) -> int:
    from claimbench.report.build import build, terminal_table

    df = build(Path(args.out), _profile(args))
    print(terminal_table(df))
    print(f"report: {Path(args.out) / 'index.html'}  (table: {Path(args.out) / 'summary.md'})")
    return 0


def cmd_summary(args) -> int:
    from claimbench.report.build import collect, terminal_table

    print(terminal_table(collect(Path(args.out), _profile(args))))
    print(f"report: {(Path(args.out) / 'index.html').resolve()}")
    return 0


def cmd_check(args) -> int:
    from claimbench.report.build import collect

    df = collect(Path(args.out), _profile(args))
    if df.empty:
        raise UsageError(f"no results under {Path(args.out) / 'runs'}: run `claimbench run PAPER` first")
    bad = df[df.status.isin(["FAIL", "ERROR"])]
    for r in bad.itertuples():
        print(f"{r.status} {r.paper}.{r.claim} [{r.backend}/{r.profile}] measured {r.measured} expected "
              f"{r.expected} {r.message}".rstrip())
    print(f"{len(df) - len(bad)} of {len(df)} claim verdicts are PASS or SKIP")
    return 1 if len(bad) else 0


COMMANDS = {"list": cmd_list, "run": cmd_run, "report": cmd_report, "summary": cmd_summary, "check": cmd_check,
            "assignment": course_cli.main}


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input gives one line on stderr and exit code 2."""
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ParamsError) as exc:
        print(f"claimbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("claimbench: interrupted; no partial results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
