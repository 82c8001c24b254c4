"""`claimbench bench compare BASE [HEAD]`: the interleaved A/B gate on one machine.

BASE (and HEAD when given as a revision) is checked out into a temporary git worktree; without HEAD the
working tree is compared as it is, uncommitted edits included. One long-lived pytest process per side
(claimbench.bench.worker; the same venv, each importing its own tree) runs the selected benchmarks
once per round, in the order A B, B A, A B, ... (each side goes first in half the rounds, so a warm-up
or order effect cancels, and drift hits both sides of a round alike). Per benchmark, each round gives
one time per side: the median over that session's timed calls of (call time / time of a fixed reference
loop run right before the call in the same process; claimbench.bench.worker), which cancels the
machine's speed of the moment (another process on the shared cores, a busy hyperthread sibling);
`--raw` turns this off. Each side's worker is replaced by a fresh process every `--respawn` rounds
(default 1), so a process-lifetime effect becomes round-to-round noise instead of a bias of one side.
claimbench.bench.stats turns the pairs into the ratio of medians HEAD/BASE with a paired-bootstrap 95 %
interval. The gate fails (exit 1) only when the interval's lower bound exceeds the threshold;
benchmarks found on one side only are listed.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from claimbench import results
from claimbench.bench import stats
from claimbench.bench.suite import PYTEST_OPTS, BenchError, bench_env, selection, timer_opts
from claimbench.bench.worker import Worker

COMPARE_DIR = Path("bench") / "compare"  # under the report folder: latest.json and one log per side


@dataclass(frozen=True)
class Options:
    """What to compare and how."""

    base: str
    head: str | None = None  # None: the working tree as it is
    rounds: int = 6
    warmup: int = 1
    threshold: float = 1.10
    paths: tuple[str, ...] = ()
    keyword: str | None = None
    timer: str = "cpu"  # claimbench.bench.suite.TIMERS
    normalize: bool = True  # divide each call's time by the reference loop timed before it (bench.worker)
    respawn: int = 1  # fresh worker processes every this many rounds (0: one pair for the whole comparison)


@dataclass
class Side:
    label: str  # BASE or HEAD
    rev: str
    commit: str
    tree: Path
    # benchmark -> per round (session median s, median of call/reference), None where it did not run
    times: dict[str, list] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    failed_rounds: list[int] = field(default_factory=list)


def git(root: Path, *args: str) -> str:
    r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120)
    if r.returncode:
        raise BenchError(f"git {' '.join(args)}: {(r.stderr.strip().splitlines() or ['failed'])[-1]}")
    return r.stdout.strip()


def repo_root(cwd: Path) -> Path:
    """The top of the git repository holding cwd (BenchError outside one)."""
    try:
        return Path(git(cwd, "rev-parse", "--show-toplevel"))
    except BenchError:
        raise BenchError(f"{cwd}: not inside a git repository (compare checks BASE out with git)") from None


def resolve(root: Path, rev: str, what: str) -> str:
    """The commit sha of a revision, or BenchError naming the argument."""
    if not rev or rev.startswith("-"):
        raise BenchError(f"{what} {rev!r}: expected a git revision")
    r = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root,
                       capture_output=True, text=True, timeout=60)
    if r.returncode:
        raise BenchError(f"{what} {rev!r}: not a commit of {root}")
    return r.stdout.strip()


@contextmanager
def checkout(root: Path, sha: str, parent: Path, name: str) -> Iterator[Path]:
    """A detached temporary worktree of `sha`; removed afterwards whatever happens."""
    path = parent / name
    git(root, "worktree", "add", "--detach", "--quiet", str(path), sha)
    try:
        yield path
    finally:
        gone = subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=root, capture_output=True,
                              timeout=120).returncode == 0
        if not gone:  # the folder went first: drop its stale entry
            shutil.rmtree(path, ignore_errors=True)
            subprocess.run(["git", "worktree", "prune"], cwd=root, capture_output=True, timeout=120)


def _dirty(root: Path) -> bool:
    return bool(git(root, "status", "--porcelain", "--untracked-files=no"))


def _sides(opts: Options, root: Path, stack: ExitStack, tmp: Path) -> tuple[Side, Side]:
    base_sha = resolve(root, opts.base, "BASE")
    base = Side("BASE", opts.base, base_sha[:12], stack.enter_context(checkout(root, base_sha, tmp, "base")))
    if opts.head is None:
        sha = resolve(root, "HEAD", "HEAD")
        head = Side("HEAD", "working tree", sha[:12] + ("+dirty" if _dirty(root) else ""), root)
    else:
        sha = resolve(root, opts.head, "HEAD")
        head = Side("HEAD", opts.head, sha[:12], stack.enter_context(checkout(root, sha, tmp, "head")))
    return base, head


def _worker_env(side: Side, timer: str) -> dict[str, str]:
    env = {**bench_env(), "CLAIMBENCH_SIDE_COMMIT": side.commit, "CLAIMBENCH_TIMER": timer}
    env.pop("PYTHONPATH", None)  # the worker puts its own tree first; nothing else may add a tree
    return env


def _session_args(side: Side, opts: Options, out_json: Path) -> list[str] | None:
    """pytest arguments for one round of `side`, or None when none of the selected paths exist there."""
    sel = selection(side.tree, list(opts.paths), opts.keyword)
    if len(sel) == (2 if opts.keyword else 0):
        return None
    # --rootdir: benchmark names are paths relative to each tree, so the two sides' names match
    return [*sel, *PYTEST_OPTS, *timer_opts(opts.timer), f"--rootdir={side.tree}", "-q",
            f"--benchmark-json={out_json}"]


def _record(side: Side, out_json: Path, i: int, rounds: int) -> None:
    data = json.loads(out_json.read_text())
    refs = data.get("claimbench_reference", {})
    for b in data["benchmarks"]:
        median = float(b["stats"]["median"])
        # the timed rounds are the runner's last `rounds` calls (before them: calibration, warm-up)
        calls = refs.get(b["fullname"], [])[-int(b["stats"]["rounds"]):]
        ratios = [t / r for t, r in calls if t > 0 and r > 0]
        # normalised time = median over the rounds of (call time / reference time just before it)
        side.times.setdefault(b["fullname"], [None] * rounds)[i] = (median, float(np.median(ratios)) if ratios else 0.0)
        side.groups[b["fullname"]] = b.get("group") or ""


def _session(worker: Worker, side: Side, args: list[str] | None, out_json: Path, i: int, rounds: int) -> None:
    """One pytest session of one side; round i < 0 is a warm-up whose times are not kept."""
    if args is None:
        return
    out_json.unlink(missing_ok=True)
    rc = worker.run(args)
    if rc == 5:  # no benchmark matched on this side: it is listed as missing, not failed
        return
    if rc not in (0, 1) or not out_json.exists():
        raise BenchError(f"{side.label} ({side.rev}): pytest exited {rc}; see {worker.log}")
    if rc == 1:
        side.failed_rounds.append(i)
    if i >= 0:
        _record(side, out_json, i, rounds)


def _start(side: Side, other: Side, root: Path, logs: Path, timer: str) -> Worker:
    # neither the other tree nor the checkout the editable install points at (root) may be imported
    forbid = sorted({other.tree.resolve(), root.resolve()} - {side.tree.resolve()})
    return Worker(side.label, side.tree, forbid, logs / f"{side.label.lower()}.log", _worker_env(side, timer))


def run_rounds(opts: Options, base: Side, head: Side, root: Path, workdir: Path, logs: Path) -> None:
    """Warm-up rounds, then rounds A B, B A, ... with fresh workers every opts.respawn rounds (progress on stderr)."""
    logs.mkdir(parents=True, exist_ok=True)
    for side in (base, head):
        (logs / f"{side.label.lower()}.log").write_text("")
    args = {s.label: _session_args(s, opts, workdir / f"{s.label}.json") for s in (base, head)}
    workers: dict[str, Worker] = {}
    try:
        for n, i in enumerate(range(-opts.warmup, opts.rounds)):
            if not workers or (opts.respawn and n % opts.respawn == 0):
                for w in workers.values():
                    w.close()
                workers = {s.label: _start(s, o, root, logs, opts.timer) for s, o in ((base, head), (head, base))}
            took = []
            for side in ((base, head) if i % 2 == 0 else (head, base)):
                t0 = dt.datetime.now()
                _session(workers[side.label], side, args[side.label], workdir / f"{side.label}.json", i, opts.rounds)
                took.append(f"{side.label} {(dt.datetime.now() - t0).total_seconds():.1f} s")
            what = "warm-up" if i < 0 else f"round {i + 1}/{opts.rounds}"
            print(f"{what}: {', '.join(took)}", file=sys.stderr, flush=True)
    except BaseException:
        for w in workers.values():
            w.close(kill=True)
        raise
    for w in workers.values():
        w.close()


def _row(name: str, base: Side, head: Side, opts: Options) -> dict:
    pairs = [(b, h) for b, h in zip(base.times[name], head.times[name], strict=True) if b and h]
    b_t, b_n, h_t, h_n = (np.array([p[k][j] for p in pairs]) for k in (0, 1) for j in (0, 1))
    row = {"name": name, "group": head.groups.get(name) or base.groups.get(name, ""), "base_ms": list(1e3 * b_t),
           "head_ms": list(1e3 * h_t), "base_normalized": list(b_n), "head_normalized": list(h_n)}
    if len(pairs) < 2:
        return {**row, "verdict": "failed", "ratio": None, "ci_low": None, "ci_high": None}
    use_ref = opts.normalize and bool(np.all(b_n > 0) and np.all(h_n > 0))
    ci = stats.ratio_ci(b_n, h_n) if use_ref else stats.ratio_ci(b_t, h_t)
    return {**row, "base_median_ms": 1e3 * float(np.median(b_t)), "head_median_ms": 1e3 * float(np.median(h_t)),
            "raw_ratio": float(np.median(h_t) / np.median(b_t)), "normalized": use_ref, "ratio": ci.ratio,
            "ci_low": ci.low, "ci_high": ci.high, "verdict": stats.verdict(ci, opts.threshold)}


def summarize(opts: Options, base: Side, head: Side) -> dict:
    """The comparison as a JSON-ready dict; `regressions` are the benchmarks that fail the gate."""
    both = sorted(set(base.times) & set(head.times))
    rows = [_row(n, base, head, opts) for n in both]
    rows.sort(key=lambda r: (r["verdict"] != "slower", -(r["ratio"] or 0), r["name"]))
    side = lambda s: {"rev": s.rev, "commit": s.commit, "failed_rounds": s.failed_rounds}  # noqa: E731
    return {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "base": side(base), "head": side(head), "options": asdict(opts), "confidence": stats.CONFIDENCE,
            "order": "A B, B A, A B, ... (A = BASE)", "benchmarks": rows,
            "only_base": sorted(set(base.times) - set(head.times)),
            "only_head": sorted(set(head.times) - set(base.times)),
            "regressions": [r["name"] for r in rows if r["verdict"] == "slower"]}


def _short(name: str) -> str:
    return name.removeprefix("benchmarks/")


def render(report: dict) -> str:
    """The terminal table: one line per benchmark present on both sides, then the one-sided ones."""
    o, b, h = report["options"], report["base"], report["head"]
    rows = report["benchmarks"]
    width = max([len(_short(r["name"])) for r in rows] + [9])
    lines = [f"HEAD {h['rev']} ({h['commit']}) vs BASE {b['rev']} ({b['commit']}): {o['rounds']} rounds "
             f"after {o['warmup']} warm-up, {o['timer']} time"
             f"{', normalised by a reference loop' if o['normalize'] else ''}, fresh processes every "
             f"{o['respawn'] or 'no'} round(s), order {report['order']}, "
             f"gate: 95 % CI low > {o['threshold']:g}",
             f"{'benchmark':<{width}} {'BASE ms':>10} {'HEAD ms':>10} {'HEAD/BASE':>9}  {'95 % CI':<15} verdict"]
    for r in rows:
        if r["ratio"] is None:
            lines.append(f"{_short(r['name']):<{width}} {'':>10} {'':>10} {'':>9}  {'':<15} failed "
                         f"(fewer than 2 rounds measured on both sides)")
            continue
        ci = f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
        mark = "SLOWER (gate fails)" if r["verdict"] == "slower" else r["verdict"]
        lines.append(f"{_short(r['name']):<{width}} {r['base_median_ms']:>10.4g} {r['head_median_ms']:>10.4g} "
                     f"{r['ratio']:>9.3f}  {ci:<15} {mark}")
    for key, label in (("only_base", "only on BASE (not compared)"), ("only_head", "only on HEAD (not compared)")):
        if report[key]:
            lines.append(f"{label}: " + ", ".join(map(_short, report[key])))
    for s in ("base", "head"):
        if report[s]["failed_rounds"]:
            lines.append(f"{s.upper()}: a benchmark test failed in round(s) {report[s]['failed_rounds']} (see its log)")
    bad = report["regressions"]
    lines.append(f"{len(bad)} benchmark(s) slower than {o['threshold']:g}x with 95 % confidence"
                 + (": " + ", ".join(map(_short, bad)) if bad else ""))
    return "\n".join(lines)


def compare(opts: Options, out_root: Path, cwd: Path | None = None, json_path: Path | None = None) -> tuple[int, Path]:
    """Run the comparison; print the table; write the JSON (default out_root/bench/compare/latest.json).

    Returns (exit code: 1 when a benchmark is slower than the threshold with 95 % confidence, else 0; JSON path).
    """
    if not 3 <= opts.rounds <= 200:
        raise BenchError(f"--rounds {opts.rounds}: expected an integer in [3, 200]")
    if not 0 <= opts.respawn <= 200:
        raise BenchError(f"--respawn {opts.respawn}: expected an integer in [0, 200]")
    if not 0 <= opts.warmup <= 20:
        raise BenchError(f"--warmup {opts.warmup}: expected an integer in [0, 20]")
    if not 1.0 <= opts.threshold <= 100:
        raise BenchError(f"--threshold {opts.threshold}: expected a ratio in [1, 100] (1.10 = 10 % slower)")
    root = repo_root(Path(cwd or Path.cwd()))
    out_dir = Path(out_root) / COMPARE_DIR
    json_path = Path(json_path) if json_path else out_dir / "latest.json"
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="claimbench-compare-")))
        base, head = _sides(opts, root, stack, tmp)
        run_rounds(opts, base, head, root, tmp, out_dir)
    report = summarize(opts, base, head)
    print(render(report))
    results.write_json(json_path, report)
    return (1 if report["regressions"] else 0), json_path
