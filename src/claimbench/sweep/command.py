"""`claimbench sweep`: run a grid of a paper's params on Dask and draw where each claim holds.

    claimbench sweep PAPER --grid KEY=V1,V2,... [--grid ...] [--set KEY=V ...] [--claims A,B]
                     [--backend torch|jax|all] [--profile fast] [--seeds N]
    claimbench sweep PAPER --name SWEEP          # a named sweep of params.yaml (PAPER.sweeps.SWEEP)
    claimbench sweep PAPER [PAPER ...] | all     # every named sweep of those papers (`make frontier`)
      common: [--scheduler local|tcp://host:8786|slurm|pbs|sge] [--workers N] [--cluster-config FILE]
              [--threads N] [--device cpu|cuda|auto] [--force]

Every point is validated before anything starts (a bad value: one line, exit 2, nothing written).
"""
from __future__ import annotations

import contextlib
import importlib
import threading
import time
from functools import partial
from pathlib import Path

from claimbench import registry, results
from claimbench.claims import PROFILES
from claimbench.devices import DEVICES
from claimbench.params import ParamsError, parse_set, show_name
from claimbench.sweep import cluster, spec


def add_parser(sub) -> None:
    """Declare the `sweep` subcommand on the CLI's subparsers."""
    sw = sub.add_parser("sweep", help="run a grid of params on Dask and draw where each claim holds")
    sw.add_argument("papers", nargs="+", metavar="PAPER", help="a paper, several, or `all` (their named sweeps)")
    sw.add_argument("--name", default=None, help="a named sweep of params.yaml (PAPER.sweeps.NAME)")
    sw.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...", help="one swept param")
    sw.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="a fixed override at every point (with --grid)")
    sw.add_argument("--claims", default=None, help="comma-separated claim names to measure (with --grid)")
    sw.add_argument("--backend", default=None, choices=[*registry.BACKENDS, "all"], help="default torch")
    sw.add_argument("--profile", default=None, choices=PROFILES, help="default fast")
    sw.add_argument("--seeds", default=None, help="seeds per claim (default: each claim's own)")
    sw.add_argument("--scheduler", default="local", help="local (default), a scheduler address, slurm, pbs or sge")
    sw.add_argument("--workers", default=None, help="workers to start (default: one per core; 1 job on a queue)")
    sw.add_argument("--cluster-config", dest="cluster_config", default=None, help="Dask config file (jobqueue)")
    sw.add_argument("--threads", default=None, help="BLAS/torch threads per point (default 1)")
    sw.add_argument("--device", default="cpu", choices=DEVICES)
    sw.add_argument("--force", action="store_true", help="recompute points whose results could be reused")


def _sweeps(args, params_path: Path, seeds_of) -> list[spec.Sweep]:
    """The sweeps the command line asks for (ad-hoc --grid, --name, or every named sweep)."""
    adhoc = bool(args.grid)
    if not adhoc and (args.overrides or args.claims or args.backend or args.profile or args.seeds):
        raise ParamsError("--set, --claims, --backend, --profile and --seeds go with --grid; a named sweep "
                          "takes them from params.yaml")
    papers = registry.discover_papers() if args.papers == ["all"] else list(dict.fromkeys(args.papers))
    if (adhoc or args.name) and len(papers) != 1:
        raise ParamsError("--grid and --name sweep one paper at a time")
    for p in papers:
        registry.load_paper(p)  # unknown paper: one line naming the known ones
    if adhoc:
        if args.name:
            raise ParamsError("give either --grid (an ad-hoc sweep) or --name (a named one), not both")
        grid, fixed = spec.parse_grid(args.grid), parse_set(args.overrides)
        claims = tuple(c.strip() for c in (args.claims or "").split(",") if c.strip())
        seeds = seeds_of(args.seeds)
        return [spec.Sweep(papers[0], spec.adhoc_name(grid, fixed, seeds, claims), grid, args.profile or "fast",
                           spec.backends_of(args.backend or "torch"), seeds, tuple(fixed.items()), claims)]
    found = []
    for p in papers:
        named = spec.named_sweeps(params_path, p)
        if args.name:
            if args.name not in named:
                raise ParamsError(f"{p}: no sweep {show_name(args.name)} in {params_path}; "
                                  f"named sweeps: {', '.join(named) or '(none)'}")
            named = {args.name: named[args.name]}
        elif not named and args.papers != ["all"]:
            raise ParamsError(f"{p}: no named sweeps in {params_path} (add {p}.sweeps, or give --grid)")
        found += named.values()
    return found


def run(args, out: Path, threads: int, seeds_of) -> int:
    """The `sweep` command (called by claimbench.cli with validated --out, threads and the seeds parser)."""
    from claimbench.sweep import execute, page  # pandas, Dask: not loaded to build the CLI's parser

    params_path = Path(args.params)
    workers = None if args.workers is None else _workers(args.workers)
    cluster.check_scheduler(args.scheduler, workers)
    sweeps = _sweeps(args, params_path, seeds_of)
    plans = [spec.plan(s, params_path, device=args.device, threads=threads, origin="--grid" if args.grid else "")
             for s in sweeps]
    canonical = [spec.canonical_values(s, params_path) for s in sweeps]
    config = Path(args.cluster_config) if args.cluster_config else None
    factory = partial(cluster.open_client, args.scheduler, workers, threads, config)
    t0 = time.perf_counter()
    # matplotlib (~0.5-1 s) loads while the workers start and compute, not after the last point
    threading.Thread(target=importlib.import_module, args=("claimbench.sweep.frontier",), daemon=True).start()
    with contextlib.ExitStack() as locks:  # refuse at once if the same sweep is running elsewhere
        for s in sweeps:
            locks.enter_context(results.run_lock(page.sweep_dir(out, s.paper, s.name)))
        points = [p for plan in plans for p in plan]
        outcomes = execute.run_points(points, out, params_path, factory, force=args.force,
                                      share_compiles=args.scheduler == "local" or args.scheduler in cluster.JOBQUEUES)
        wall = round(time.perf_counter() - t0, 1)
        extra = {"wall_s": wall, "scheduler": args.scheduler,
                 "workers": workers or (cluster.default_workers() if args.scheduler == "local" else None)}
        for s, plan, canon in zip(sweeps, plans, canonical, strict=True):
            folder, df = page.write_sweep(out, s, plan, outcomes, canon, extra)
            _print(s, plan, outcomes, out, df, folder, wall)
    return 0


def _workers(raw: str) -> int:
    text = str(raw).strip()
    if not text.isdigit() or not text.isascii() or not 1 <= int(text) <= cluster.MAX_WORKERS:
        raise ParamsError(f"--workers {raw!r}: expected an integer in [1, {cluster.MAX_WORKERS}]")
    return int(text)


def _print(s: spec.Sweep, points, outcomes: dict, out: Path, df, folder: Path, wall: float) -> None:
    got = [outcomes.get(p.spec.folder(out), ("error", ""))[0] for p in points]
    print(f"sweep {s.paper}/{s.name}: {len(points)} point runs ({got.count('computed')} computed, "
          f"{got.count('reused')} reused, {got.count('error')} ERROR); all sweeps took {wall} s")
    for (claim, backend), g in df.groupby(["claim", "backend"], sort=False):
        statuses = g.status.value_counts().to_dict()
        rest = ", ".join(f"{k} {v}" for k, v in statuses.items() if k != "PASS")
        print(f"  {claim:<44} {backend:<5} PASS at {statuses.get('PASS', 0)} of {len(g)}"
              + (f" ({rest})" if rest else ""))
    for p in points:
        outcome, message = outcomes.get(p.spec.folder(out), ("error", "not run"))
        if outcome == "error":
            print(f"  point {p.spec.folder(out).name} [{p.backend}]: {message}")
    print(f"  table: {folder / 'frontier.csv'}  page: {folder / 'index.html'}")
