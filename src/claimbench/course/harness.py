"""Run a paper's claims on students' functions: what the autograder tests call inside the notebook's kernel.

For one claim, every exercise the claim `uses` is the student's function (taken from the notebook's
globals) and every other exercise is the paper's own; each is bound, for the length of the run, to
every name under which the paper's code finds the reference function. The paper's experiment then
runs unchanged at the grading size frozen in `claimbench_grading.json`, and `claimbench.claims.evaluate`
gives the verdict, so the grade applies the claim's own threshold, seeds rule and reason.
Experiments are cached per (experiment, seed, functions), so the claims of one experiment run it once.
"""
from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Mapping

from threadpoolctl import threadpool_limits

from claimbench import params as params_mod
from claimbench import registry
from claimbench.claims import Claim, Status, Verdict, evaluate
from claimbench.course.spec import Assignment, resolve
from claimbench.results import split_measurements

CONFIG_FILE = "claimbench_grading.json"
FEEDBACK_ENV = "CLAIMBENCH_COURSE_FEEDBACK"  # a JSON-lines file the grader reads (claimbench assignment grade)
_CACHE: dict[tuple, tuple[dict | None, str]] = {}


class StudentCodeError(Exception):
    """An exception raised inside a student's function; the message names the function."""


def load_config(path: str | Path | None = None) -> dict:
    """The grading size frozen by `claimbench assignment build` (paper, profile, params, seeds)."""
    p = Path(path or CONFIG_FILE)
    if not p.is_file():
        raise FileNotFoundError(f"{CONFIG_FILE} not found in {Path.cwd()}: keep it next to the notebook "
                                "(it sets the size at which the claims are checked)")
    return json.loads(p.read_text())


@functools.lru_cache(maxsize=None)
def load_assignment(paper: str) -> Assignment:
    """ASSIGNMENT of papers/<paper>/assignment.py."""
    return importlib.import_module(f"papers.{paper}.assignment").ASSIGNMENT


@functools.lru_cache(maxsize=None)
def _experiments(paper: str) -> Mapping[str, Callable]:
    return load_assignment(paper).experiments()


def _missing(name: str) -> Callable:
    def stub(*args, **kwargs):
        raise StudentCodeError(f"the notebook defines no function `{name}`")
    return stub


def student_function(env: Mapping[str, Any], name: str) -> Callable:
    """The student's `name` from the notebook globals (a stub that says so if it is missing).

    A function imported from claimbench (the reference itself) is refused: it must be written in the notebook.
    """
    fn = env.get(name)
    if not callable(fn):
        return _missing(name)
    module = getattr(fn, "__module__", None) or ""
    if module.split(".")[0] in ("papers", "claimbench"):
        raise StudentCodeError(f"`{name}` is imported from {module}; write it in the notebook")
    return fn


def _guard(name: str, fn: Callable) -> Callable:
    """fn, with any exception it raises re-raised as StudentCodeError naming `name`."""
    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StudentCodeError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the student, not swallowed
            text = " ".join(str(exc).split())
            raise StudentCodeError(f"your {name}() raised {type(exc).__name__}: {text}") from exc
    return guarded


@contextmanager
def substituted(assignment: Assignment, chosen: Mapping[str, Callable]):
    """Bind each exercise's reference function to chosen[name] wherever papers.* or claimbench.* hold it."""
    undo = []
    try:
        for ex in assignment.exercises:
            ref, new = resolve(ex.reference), chosen[ex.name]
            if new is ref:
                continue
            for mod_name, mod in list(sys.modules.items()):
                if mod is None or not mod_name.startswith(("papers.", "claimbench.")):
                    continue
                space = vars(mod)
                for attr, obj in list(space.items()):
                    if obj is ref:
                        undo.append((space, attr, obj))
                        space[attr] = new
        yield
    finally:
        for space, attr, obj in reversed(undo):
            space[attr] = obj


def _describe(exc: Exception, experiment: str) -> str:
    if isinstance(exc, StudentCodeError):
        return str(exc)
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    text = " ".join(str(exc).split())
    return (f"{type(exc).__name__}: {text} ({Path(frame.filename).name}:{frame.lineno}) in the paper's "
            f"experiment {experiment!r} run on your functions")


def measure(assignment: Assignment, experiment: str, seed: int, params, chosen: Mapping[str, Callable]):
    """(measurements or None, error message) of one experiment and seed with the chosen functions (cached)."""
    key = (assignment.paper, experiment, seed, params, tuple(chosen[e.name] for e in assignment.exercises))
    if key not in _CACHE:
        refs = {e.name: resolve(e.reference) for e in assignment.exercises}
        guarded = {n: fn if fn is refs[n] else _guard(n, fn) for n, fn in chosen.items()}
        fn = _experiments(assignment.paper)[experiment]
        try:
            with threadpool_limits(limits=1), substituted(assignment, guarded):
                if "torch" in sys.modules:  # one thread, as `claimbench run` by default: the same numbers
                    sys.modules["torch"].set_num_threads(1)
                out = fn(params, seed, "cpu")
            split_measurements(out)
            _CACHE[key] = (dict(out), "")
        except Exception as exc:  # noqa: BLE001 - becomes the claim's ERROR with the message
            _CACHE[key] = (None, _describe(exc, experiment))
    return _CACHE[key]


def _claim(paper: str, name: str) -> Claim:
    for c in registry.load_paper(paper).claims:
        if c.name == name:
            return c
    raise KeyError(f"papers/{paper}/claims.py has no claim {name!r}")


def evaluate_claim(env: Mapping[str, Any], paper: str, claim_name: str, config: Mapping | None = None) -> Verdict:
    """The verdict of one claim with the student's functions for the exercises it uses."""
    config = config or load_config()
    assignment, claim = load_assignment(paper), _claim(paper, claim_name)
    graded = assignment.graded(claim_name)
    params = params_mod.build(registry.load_paper(paper).params_cls, config["params"], f"{paper}.grading")
    try:
        chosen = {e.name: student_function(env, e.name) if e.name in graded.uses else resolve(e.reference)
                  for e in assignment.exercises}
    except StudentCodeError as exc:
        return evaluate(claim, [None], [str(exc)])
    values, errors = [], []
    for seed in range(int(config.get("seeds", 1))):
        out, err = measure(assignment, claim.experiment, seed, params, chosen)
        if out is None:
            values.append(None)
            errors.append(err)
        else:
            values.append(out.get(claim.metric))
            if claim.metric not in out:
                errors.append(f"experiment {claim.experiment!r} returned no metric {claim.metric!r}")
    return evaluate(claim, values, errors)


def _num(x) -> str:
    return "none" if x is None else f"{x:.6g}"


def feedback(claim: Claim, verdict: Verdict) -> str:
    """One line for the student: claim, verdict, measured vs expected, the error if the code raised."""
    head = f"{verdict.status.value} {claim.id}: {claim.statement}"
    if verdict.status is Status.ERROR:
        return f"{head} | {verdict.message}"
    seeds = ", ".join(_num(v) for v in verdict.per_seed)
    return (f"{head} | measured {claim.metric} = {_num(verdict.measured)} (per seed: {seeds}); expected "
            f"{verdict.expected} in {verdict.must_hold} of {verdict.seeds_run} seeds, held in "
            f"{verdict.seeds_held} | tolerance: {claim.why}")


def _record(entry: Mapping) -> None:
    """Append one result to the file named by $CLAIMBENCH_COURSE_FEEDBACK (local grading only)."""
    path = os.environ.get(FEEDBACK_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, allow_nan=False, default=str) + "\n")


def check(env: Mapping[str, Any], paper: str, claim_name: str) -> None:
    """Autograder test of one claim: raise AssertionError with the feedback unless it PASSes."""
    claim = _claim(paper, claim_name)
    verdict = evaluate_claim(env, paper, claim_name)
    line = feedback(claim, verdict)
    _record({"test": claim_name, "kind": "claim", "claim": claim.id, "statement": claim.statement,
             "status": verdict.status.value, "measured": verdict.measured, "per_seed": list(verdict.per_seed),
             "expected": verdict.expected, "metric": claim.metric, "message": verdict.message, "feedback": line})
    if verdict.status is not Status.PASS:
        raise AssertionError(line)


def check_exercise(env: Mapping[str, Any], paper: str, name: str) -> None:
    """Public sanity check of one exercise (signature, shapes, finiteness) with the paper's check function."""
    ex = load_assignment(paper).exercise(name)
    message = ""
    try:
        fn = _guard(name, student_function(env, name))
        if ex.check:
            resolve(ex.check)(fn)
        elif not callable(env.get(name)):
            fn()  # raises: the notebook defines no such function
    except (StudentCodeError, AssertionError) as exc:
        message = str(exc) or f"{name}: check failed"
    _record({"test": name, "kind": "check", "claim": "", "statement": f"{name}(): public sanity check",
             "status": "FAIL" if message else "PASS", "measured": None, "per_seed": [], "expected": "",
             "metric": "", "message": message, "feedback": message})
    if message:
        raise AssertionError(message)
