"""Run one paper on one backend and profile: experiments × seeds, verdicts, figures, atomic writes.

Each experiment named by an active claim is called once per seed with a progress bar and a timer.
An exception or a NaN in one experiment makes the claims reading it ERROR (with the message); the
other experiments, claims and papers go on. The run holds its folder's lock from the start (a second
run of the same paper/backend/profile is refused), draws its figures in a scratch folder of the
system's temp folder (draw_figures), writes everything to a staging folder, checks it reads back
complete and consistent, then swaps it in with the DVC metrics file. An OSError while
writing results or figures (disk full) fails the run and leaves the previous one in place.
A run with overrides, its own seed count or a claim selection is a variant: same code path, written to
its variant folder (claimbench.variants), no DVC metrics file.
"""
from __future__ import annotations

import contextlib
import dataclasses
import gc
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from claimbench import params as params_mod
from claimbench import registry, results, results_check, variants
from claimbench.claims import Claim, Status, Verdict, evaluate, skipped
from claimbench.progress import progress
from claimbench.threads import limit_threads

MAX_SEEDS = 1000  # --seeds: more is a typo, not an experiment
MAX_THREADS = 1024


def configure_threads(threads: int, backend: str) -> None:
    """Pin BLAS/OpenMP, torch and XLA to `threads` threads (see claimbench.threads).

    The environment is set for libraries that load later; threadpoolctl caps the ones already loaded,
    so a run in a process that imported numpy first computes with the same thread count.
    """
    limit_threads(threads, backend)


@dataclass(frozen=True)
class RunSpec:
    """Everything that selects one run; validated before any backend is imported or file written."""

    paper: registry.LoadedPaper
    backend: str
    profile: str
    params: Any
    device: str = "cpu"  # resolved: cpu or cuda
    seeds: int | None = None  # None: each claim's own `seeds` (1 in the smoke profile)
    threads: int = 1
    overrides: tuple[tuple[str, Any], ...] = ()  # (key, validated value), sorted: what makes a variant
    only: tuple[str, ...] = ()  # names of the claims to run (empty: all); the others are SKIP
    figures: bool = True  # False: no run figures (a sweep point: its sweep page draws the frontier)

    @property
    def variant(self) -> str | None:
        """The variant folder name, or None for the canonical run."""
        return variants.name_of(dict(self.overrides), self.seeds, self.only)

    def folder(self, out_root: Path) -> Path:
        """Where this run's results go: the canonical run folder, or its variant folder."""
        return results.run_dir(out_root, self.paper.slug, self.backend, self.profile, self.variant)


def make_spec(paper: str, backend: str, profile: str, *, params_path: Path, overrides: Mapping = (),
              device: str = "cpu", seeds: int | None = None, threads: int = 1, only: tuple[str, ...] = (),
              configure: bool = True, origin: str = "--set") -> RunSpec:
    """Load the paper and validate its params (raises ParamsError with a one-line message).

    `configure=False` only validates: threads are not set and the device is kept as asked (a sweep
    validates every point before submitting it, and each worker configures itself).
    """
    params_mod.read_yaml(params_path)  # a missing or broken file is reported before anything else
    loaded = registry.load_paper(paper)
    registry.check_backend(backend)
    if seeds is not None and not 1 <= seeds <= MAX_SEEDS:
        raise params_mod.ParamsError(f"--seeds {params_mod.show(seeds)}: expected an integer in [1, {MAX_SEEDS}]")
    if not 1 <= threads <= MAX_THREADS:
        raise params_mod.ParamsError(f"threads {params_mod.show(threads)}: expected an integer in [1, {MAX_THREADS}]")
    names, only = [c.name for c in loaded.claims], tuple(sorted(set(only)))
    for name in only:
        if name not in names:
            raise params_mod.ParamsError(f"claim {params_mod.show(name)}: {paper} has no such claim; "
                                         f"known: {', '.join(names)}")
    p = params_mod.load(loaded.params_cls, params_path, paper, profile, overrides, origin)
    fixed = tuple((k, getattr(p, k)) for k in sorted(dict(overrides)))
    if not configure:
        return RunSpec(loaded, backend, profile, p, device, seeds, threads, fixed, only)
    with importing():
        configure_threads(threads, backend)  # imports torch or jax
    from claimbench.devices import resolve_device

    return RunSpec(loaded, backend, profile, p, resolve_device(device, backend), seeds, threads, fixed, only)


def seeds_for(claim: Claim, spec: RunSpec) -> int:
    """How many seeds a claim is evaluated on in this run."""
    if spec.seeds is not None:
        return spec.seeds
    return 1 if spec.profile == "smoke" else claim.seeds


def _call(fn, spec: RunSpec, device: str, seed: int) -> tuple[dict | None, str, float]:
    """Run one experiment for one seed; return (measurements or None, one-line error message, seconds).

    The output must be a dict of numbers and numpy arrays (checked here, so a tensor left in it is
    this experiment's ERROR, not a crash of the whole run).
    """
    t0 = time.perf_counter()
    try:
        out = fn(spec.params, seed, device)
        if not isinstance(out, Mapping):
            raise TypeError(f"experiment returned {type(out).__name__}, expected a dict of measurements")
        results.split_measurements(out)
        return dict(out), "", time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - captured as ERROR, the run goes on
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        text = " ".join(str(exc).split())
        return None, f"{type(exc).__name__}: {text} ({Path(frame.filename).name}:{frame.lineno})", \
            time.perf_counter() - t0


def _claim_verdict(claim: Claim, n: int, outputs: dict, errors: dict) -> Verdict:
    values, errs = [], []
    for seed in range(n):
        out = outputs.get((claim.experiment, seed))
        if out is None:
            values.append(None)
            errs.append(errors.get((claim.experiment, seed), ""))
        elif claim.metric not in out:
            values.append(None)
            errs.append(f"experiment {claim.experiment!r} returned no metric {claim.metric!r}")
        else:
            values.append(out[claim.metric])
    return evaluate(claim, values, sorted(set(e for e in errs if e)))


def execute(spec: RunSpec, out_root: Path) -> list[Verdict]:
    """Run the experiments, evaluate every claim, draw figures and write the run folder atomically.

    The run folder's lock is held from the start (raises results.RunBusy if another process holds it).
    """
    with results.run_lock(spec.folder(out_root)):
        return _execute(spec, out_root)


def _not_selected(claim: Claim, spec: RunSpec) -> Verdict:
    """The SKIP verdict of a claim left out of a run that selects claims (a sweep's)."""
    return Verdict(claim_id=claim.id, status=Status.SKIP, expected=str(claim.expect),
                   message=f"not selected: this run measures only {', '.join(spec.only)}")


def _verdicts(spec: RunSpec, outputs: dict, errors: dict) -> list[Verdict]:
    out = []
    for c in spec.paper.claims:
        if spec.profile not in c.profiles:
            out.append(skipped(c, spec.profile))
        elif spec.only and c.name not in spec.only:
            out.append(_not_selected(c, spec))
        else:
            out.append(_claim_verdict(c, seeds_for(c, spec), outputs, errors))
    return out


def plan_units(spec: RunSpec) -> list[tuple[str, int]]:
    """The (experiment, seed) units of a run, in run order: each experiment an active claim reads,
    on as many seeds as its most demanding claim."""
    active = [c for c in spec.paper.claims if spec.profile in c.profiles and (not spec.only or c.name in spec.only)]
    needed: dict[str, int] = {}
    for c in active:
        needed[c.experiment] = max(needed.get(c.experiment, 0), seeds_for(c, spec))
    return [(e, s) for e, n in needed.items() for s in range(n)]


@contextlib.contextmanager
def importing():
    """Python's cycle collector paused while big libraries load: an import creates ~10^5 objects that
    all stay alive, and collecting meanwhile only scans them (torch with a paper's modules: ~10 % less).
    Nothing is computed inside, so no number depends on it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_backend(spec: RunSpec) -> float:
    """Import the run's backend module (its experiments, their imports): the seconds it took, part of
    the run's wall_s. A module that fails to import is left to run_unit (each unit's ERROR)."""
    t0 = time.perf_counter()
    try:
        with importing():
            registry.backend_module(spec.paper.slug, spec.backend)
    except Exception:  # noqa: BLE001 - reported per unit by run_unit
        pass
    return time.perf_counter() - t0


def run_unit(spec: RunSpec, exp: str, seed: int) -> tuple[dict | None, str, float | None]:
    """One experiment on one seed: (measurements or None, one-line error, seconds or None if not run)."""
    fn = registry.backend_module(spec.paper.slug, spec.backend).EXPERIMENTS.get(exp)
    if fn is None:
        return None, f"{spec.backend}_impl has no experiment {exp!r}", None
    return _call(fn, spec, spec.device, seed)


def record_unit(unit: tuple[str, int], result: tuple, outputs: dict, errors: dict, times: dict) -> None:
    """File run_unit's (measurements or None, error, seconds or None) under `unit` in the run's dicts."""
    out, err, sec = result
    if sec is not None:
        times[unit] = sec
    if out is None:
        errors[unit] = err
    else:
        outputs[unit] = out


def finish(spec: RunSpec, out_root: Path, outputs: dict, errors: dict, times: dict, wall: float,
           figures: list | None = None) -> list[Verdict]:
    """Evaluate every claim on the units' results and write the run folder (figures, files, atomic).

    `figures`: the run's figures as the results of draw_figures in each worker that drew some of
    them (None: drawn here).
    """
    verdicts = _verdicts(spec, outputs, errors)
    if figures is None:
        figures = [draw_figures(spec, outputs)] if spec.figures else []
    _write(spec, out_root, spec.device, verdicts, outputs, errors, times, wall, figures)
    return verdicts


def _execute(spec: RunSpec, out_root: Path) -> list[Verdict]:
    t_start = time.perf_counter()  # wall_s: loading the backend module and running the units
    load_backend(spec)
    outputs, errors, times = {}, {}, {}
    bar = progress(plan_units(spec), desc=f"{spec.paper.slug}/{spec.backend}/{spec.profile}", leave=True)
    for exp, seed in bar:
        bar.set_postfix_str(f"{exp} seed {seed}")
        record_unit((exp, seed), run_unit(spec, exp, seed), outputs, errors, times)
    return finish(spec, out_root, outputs, errors, times, time.perf_counter() - t_start)


def draw_figures(spec: RunSpec, outputs: dict, claim: Callable[[int], bool] | None = None) -> tuple:
    """A run's figures, drawn in a scratch folder: ({figure name: file name}, one-line error, {file
    name: PNG bytes}, figures reached when it failed). It plots every figure and saves those that
    claim(k) grants, k counting figures in drawing order (theme.figure_share), so workers draw a run's
    figures side by side; None saves all. A figure that fails is recorded in the error, not raised;
    an OSError (disk full) is raised.
    """
    mod = registry.figures_module(spec.paper.slug)
    if mod is None:
        return {}, "", {}, 0
    from claimbench.report.theme import figure_share

    with tempfile.TemporaryDirectory(prefix="claimbench-figures-") as scratch, figure_share(claim) as share:
        drawn, error = _call_draw(mod, outputs, Path(scratch))
        saved = [Path(scratch) / f for f in drawn.values() if results_check.figure_name_ok(f)]
        reached = share["seen"]
        files = {f.name: f.read_bytes() for f in saved if f.is_file() and not f.is_symlink()}
    return drawn, error, files, reached


def _call_draw(mod, outputs: dict, folder: Path) -> tuple[dict, str]:
    """Call a paper's figures.draw on {experiment: [seed0, seed1, ...]}: ({name: file}, error)."""
    by_exp: dict[str, list] = {}
    for (exp, seed), out in sorted(outputs.items()):
        by_exp.setdefault(exp, [])
        by_exp[exp].extend([None] * (seed + 1 - len(by_exp[exp])))
        by_exp[exp][seed] = out
    try:
        return dict(mod.draw(by_exp, folder)), ""
    except OSError:
        raise  # disk full, unwritable folder: the run fails and the previous run stays
    except Exception as exc:  # noqa: BLE001 - a broken figure must not lose the verdicts
        return {}, f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _place_figures(drawn_by: list, folder: Path) -> tuple[dict, str]:
    """Write the PNGs of every drawer (draw_figures results) into the run's figures folder and check
    every figure drawn there: ({name: file} of the good ones, the broken ones in one line). If drawing
    failed, no figure and the error one drawer alone meets first (every drawer plots every figure,
    each saves those granted to it)."""
    failed = sorted((reached, error) for _, error, _, reached in drawn_by if error)
    if failed:
        return {}, failed[0][1]
    drawn, problems = {}, []
    for names, _, files, _ in drawn_by:
        drawn.update(names)
        for file, data in files.items():
            (folder / "figures").mkdir(exist_ok=True)
            (folder / "figures" / file).write_bytes(data)
    good = {}
    for name, file in drawn.items():
        try:
            results_check.figure_file(folder, file)
            good[str(name)] = file
        except results_check.BrokenRun as exc:
            problems.append(f"{name}: {exc.reason}")
    return good, "; ".join(problems)


def _write(spec, out_root, device, verdicts, outputs, errors, times, wall, drawn_by) -> None:
    slug = spec.paper.slug
    final = spec.folder(out_root)
    companions = {}
    claims = {c.id: c for c in spec.paper.claims}

    def complete(folder: Path) -> None:
        results_check.check_complete(folder, slug, spec.backend, spec.profile, claims, spec.variant)

    with results.staging_dir(final, check=complete, companions=companions) as tmp:
        scalars: dict[str, dict] = {}
        for (exp, seed), out in sorted(outputs.items()):
            s, arrays = results.split_measurements(out)
            scalars.setdefault(exp, {})[str(seed)] = s
            results.save_arrays(tmp / "arrays", exp, seed, arrays)
        figures, fig_error = _place_figures(drawn_by, tmp) if spec.figures else ({}, "")
        results.write_json(tmp / "measurements.json", scalars)
        results.write_json(tmp / "verdicts.json", [v.to_dict() for v in verdicts])
        meta = {"paper": slug, "backend": spec.backend, "profile": spec.profile, "device": device,
                "threads": spec.threads, "wall_s": round(wall, 3),
                "seeds_run": {e: sorted(s for (x, s) in times if x == e) for e in sorted({e for e, _ in times})},
                "params": dataclasses.asdict(spec.params), "figures": figures, "figure_error": fig_error,
                "claim_wall_s": _claim_wall(spec, verdicts, times),
                "experiment_wall_s": {f"{e}/seed{s}": round(t, 3) for (e, s), t in sorted(times.items())},
                "experiment_errors": {f"{e}/seed{s}": m for (e, s), m in sorted(errors.items())},
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "code": variants.code_fingerprint(spec.paper.folder), "variant": _variant_meta(spec),
                **results.environment_meta(Path.cwd())}
        results.write_json(tmp / "meta.json", meta)
        companions[results.timings_path(out_root, final)] = results.json_text(
            {k: meta[k] for k in ("experiment_wall_s", "figures")})
        if spec.variant is None:  # the DVC metrics file counts the canonical run only
            metrics = results.metrics_path(out_root, slug, spec.backend, spec.profile)
            companions[metrics] = results.json_text(results.metrics_dict(verdicts))


def _variant_meta(spec: RunSpec) -> dict | None:
    """meta.json's record of what makes this run a variant (None for the canonical run)."""
    if spec.variant is None:
        return None
    return {"name": spec.variant, **variants.key_of(dict(spec.overrides), spec.seeds, spec.only)}


def _claim_wall(spec: RunSpec, verdicts: list[Verdict], times: dict) -> dict[str, float]:
    """{claim id: seconds spent in its experiment over the seeds it read} (not in verdicts.json: not
    reproducible)."""
    claims = {c.id: c for c in spec.paper.claims}
    return {v.claim_id: round(sum(times.get((claims[v.claim_id].experiment, s), 0.0)
                                  for s in range(v.seeds_run)), 3) for v in verdicts}
