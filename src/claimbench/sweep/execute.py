"""Run a sweep's points on Dask: each point is one call of the ordinary runner in a worker process.

A point whose variant folder already holds a complete run with the same params, code fingerprint and
device is reused, not recomputed (so an interrupted sweep continues where it stopped). The others are
submitted as one task each; a task that raises is retried once (`retries=1`), a task whose worker dies
is retried once by the scheduler; after that the point is recorded as ERROR and the sweep goes on.

Three things keep N workers about N times as fast as one on small points. A point draws no run figures
(its sweep page draws the frontier). On a cluster the sweep starts, jax workers share one compilation
cache for the sweep's duration (jax's persistent cache in a folder under the sweep output, removed at
the end), so a compiled step is compiled once per sweep, as in one worker, not once per worker; and
points that differ only in float values (same shapes, same compiled code) are submitted apart, so that
one worker compiles while the other reuses.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from claimbench import results, results_check, variants
from claimbench.progress import progress
from claimbench.sweep.spec import Point

COMPUTED, REUSED, FAILED = "computed", "reused", "error"
MIN_CACHED_COMPILE_S = 0.0  # every compilation, even of one eager op: a worker compiles many of those


def reusable(point: Point, out_root: Path) -> bool:
    """Whether the point's folder holds a complete run of exactly these params, code and device."""
    spec = point.spec
    folder = spec.folder(out_root)
    if not (folder / "meta.json").is_file():
        return False
    claims = {c.id: c for c in spec.paper.claims}
    try:
        meta = results_check.check_complete(folder, spec.paper.slug, spec.backend, spec.profile, claims,
                                            spec.variant)["meta"]
    except results_check.BrokenRun:
        return False
    same_params = json.loads(results.json_text(dataclasses.asdict(spec.params))) == meta.get("params")
    same_device = spec.device == "auto" or meta.get("device") == spec.device
    return same_params and same_device and meta.get("code") == variants.code_fingerprint(spec.paper.folder)


def task_of(point: Point, out_root: Path, params_path: Path, compile_cache: Path | None = None) -> dict:
    """Everything a worker needs to run the point (plain data, absolute paths)."""
    import papers

    s = point.spec
    return {"paper": s.paper.slug, "backend": s.backend, "profile": s.profile,
            "params_path": str(Path(params_path).resolve()), "overrides": dict(s.overrides), "device": s.device,
            "seeds": s.seeds, "threads": s.threads, "only": s.only, "out_root": str(Path(out_root).resolve()),
            "papers_path": [str(Path(p).resolve()) for p in papers.__path__], "variant": s.variant,
            "compile_cache": None if compile_cache is None else str(Path(compile_cache).resolve())}


def share_compilations(folder: str | None, backend: str) -> None:
    """Point jax's persistent compilation cache of this worker at the sweep's shared folder.

    jax reads the setting at its first compilation and keeps it for the process: a worker of a cluster
    the sweep started (fresh processes) gets it; a worker that compiled before keeps what it had.
    """
    if not folder or backend != "jax":
        return
    import jax

    if jax.config.jax_compilation_cache_dir is None:
        jax.config.update("jax_compilation_cache_dir", folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_CACHED_COMPILE_S)


def run_point(task: dict) -> dict:
    """Run one point in this (worker) process through claimbench.runner; return its status counts."""
    import papers

    missing = [p for p in task["papers_path"] if p not in list(papers.__path__)]
    if missing:  # e.g. a test's demo paper: make it importable here as in the submitting process
        papers.__path__ = [*papers.__path__, *missing]
    os.environ.setdefault("CLAIMBENCH_QUIET", "1")
    from claimbench import runner

    spec = runner.make_spec(task["paper"], task["backend"], task["profile"], params_path=Path(task["params_path"]),
                            overrides=task["overrides"], device=task["device"], seeds=task["seeds"],
                            threads=task["threads"], only=tuple(task["only"]))
    if spec.variant != task["variant"]:
        raise RuntimeError(f"point validated as {task['variant']} but ran as {spec.variant}: params.yaml changed?")
    share_compilations(task.get("compile_cache"), spec.backend)
    spec = dataclasses.replace(spec, figures=False)
    try:
        verdicts = runner.execute(spec, Path(task["out_root"]))
    except KeyboardInterrupt:  # raised inside an experiment, not at the worker: this point's failure only
        raise RuntimeError("the run was interrupted (KeyboardInterrupt inside an experiment)") from None
    return {"counts": results.count_statuses(verdicts), "pid": os.getpid()}


def _reason(exc: BaseException) -> str:
    """One line saying why a point failed, from the exception Dask hands back."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return "ERROR: the worker running this point died twice (killed, or out of memory); not retried again"
    text = " ".join(str(exc).split())[:400]
    return f"ERROR: {name}: {text} (after one retry)"


def submission_order(points: list[Point]) -> list[Point]:
    """The points, largest grid values first, with those that share compiled code (same backend, same
    non-float grid values) spread apart: the first of every such group, then the second, and so on.

    Largest first is longest-processing-time-first on a guess: a point's cost grows with its sizes,
    depths and learning rates in every named sweep (more samples, layers, or steps spent at the edge), so
    the long points start early and the short ones fill both workers at the end. A wrong guess only
    costs balance at the end, never a result."""
    groups = _groups(sorted(points, key=_largest_first))
    rounds = max((len(g) for g in groups.values()), default=0)
    return [g[i] for i in range(rounds) for g in groups.values() if i < len(g)]


def _groups(points: list[Point]) -> dict[tuple, list[Point]]:
    """The points by `_compiled_alike` key, each group in the given order."""
    groups: dict[tuple, list[Point]] = {}
    for p in points:
        groups.setdefault(_compiled_alike(p), []).append(p)
    return groups


def _compiled_alike(point: Point) -> tuple:
    """Points with the same key run the same compiled code: same backend, same non-float grid values."""
    return point.backend, tuple((k, repr(v)) for k, v in point.values if not isinstance(v, float))


def held_back(order: list[Point], workers: int) -> dict[int, list[Point]]:
    """{id of a group's first point: the group's other points}, submitted once that first one is done.

    Only when there are at least as many groups as workers (so no worker waits for lack of work): a
    group's first point compiles (bottleneck_rank: 12-16 s for a deep net), and a second point of the
    group started meanwhile on another worker would compile it again instead of reading the shared cache.
    """
    groups = _groups(order)
    if len(groups) < max(workers, 2):
        return {}
    return {id(g[0]): g[1:] for g in groups.values() if len(g) > 1}


def _largest_first(point: Point) -> tuple:
    """Sort key: numbers descending, other values (text, lists) after them in their text order."""
    return tuple((0, -v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0, repr(v))
                 for _, v in point.values)


@contextmanager
def compile_cache(out_root: Path, token: str, share: bool) -> Iterator[Path | None]:
    """A fresh folder for the workers' shared jax compilation cache, removed afterwards (None: no sharing)."""
    if not share:
        yield None
        return
    folder = Path(out_root) / "sweeps" / f".compile-cache-{token}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_points(points: list[Point], out_root: Path, params_path: Path, client_factory, force: bool = False,
               share_compiles: bool = True) -> dict:
    """{folder: (outcome, message)} for every distinct point folder; starts the client only if needed.

    `client_factory` is a context manager factory yielding a dask.distributed Client; `share_compiles`
    gives its jax workers one compilation cache (for clusters this sweep starts, see the module doc).
    """
    outcomes: dict[Path, tuple[str, str]] = {}
    todo: dict[Path, Point] = {}
    for point in points:
        folder = point.spec.folder(out_root)
        if folder in outcomes or folder in todo:
            continue
        if not force and reusable(point, out_root):
            outcomes[folder] = (REUSED, "")
        else:
            todo[folder] = point
    if not todo:
        return outcomes
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    order = submission_order(list(todo.values()))
    with compile_cache(out_root, token, share_compiles) as cache, client_factory() as client:
        held = held_back(order, len(client.nthreads()))
        waiting = {id(q) for rest in held.values() for q in rest}
        futures: dict = {}

        def submit(i: int, p: Point):
            fut = client.submit(run_point, task_of(p, out_root, params_path, cache), retries=1, pure=False,
                                key=f"claimbench-point-{token}-{i}")
            futures[fut] = p
            return fut

        index = {id(p): i for i, p in enumerate(order)}
        queue = as_completed([submit(i, p) for i, p in enumerate(order) if id(p) not in waiting])
        for fut in progress(queue, desc="sweep points", total=len(order), leave=True):
            point = futures[fut]
            try:
                fut.result()
                outcomes[point.spec.folder(out_root)] = (COMPUTED, "")
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - a failed point is recorded, the sweep goes on
                outcomes[point.spec.folder(out_root)] = (FAILED, _reason(exc))
            for q in held.pop(id(point), []):  # its group's compiled code is in the shared cache now
                queue.add(submit(index[id(q)], q))
    return outcomes
