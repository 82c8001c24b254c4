"""Throw >= 1,000 generated bad inputs at `claimbench` and count what went wrong (issue 18).

    .venv/bin/python benchmarks/fuzz_bad_inputs.py [--cases 1200] [--seed 18] [--subprocess 40]

First the reproducers of issue 18, each run as a real process, with the line each prints. Then
`--cases` generated bad inputs (tests/bad_inputs.py: bad --set values and keys, options, environment,
paper names, params files and paths, suite.profile, --out) run in-process against the demo paper,
and `--subprocess` of them again as real processes. The right outcome for every one is exit 2, one
line on stderr, no traceback, no hang, no file created or changed; the counts of anything else are
printed, and the script exits 1 if any is non-zero. Not part of `make test` (tests/test_fuzz.py runs
300 cases there).
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("CLAIMBENCH_QUIET", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from bad_inputs import FIXTURES, GOOD_YAML, Case, Outcome, bad_cases, make_workdir, run_case, snapshot  # noqa: E402

BOOT = (f"import sys, papers; papers.__path__.append({str(FIXTURES)!r}); "
        "from claimbench.cli import main; sys.exit(main(sys.argv[1:]))")
BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))


def reproducers(work: Path) -> list[tuple[str, Case]]:
    """The bad inputs listed in issue 18, as cases (files they need are written into `work`)."""
    (work / "utf16.yaml").write_bytes(GOOD_YAML.encode("utf-16"))
    (work / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    (work / "bomb.yaml").write_text("l0: &l0 [lol]\n" + BOMB + GOOD_YAML)
    (work / "dup.yaml").write_text(GOOD_YAML + "zz_demo:\n  fast: {width: 7}\n")
    (work / "suite.yaml").write_text(GOOD_YAML.replace("profile: fast", "profile: medium"))
    run, real = ["--params", "params.yaml", "run", "zz_demo"], ["--params", str(ROOT / "params.yaml")]
    return [
        ("--set width=[*3000 ]*3000", Case((*run, "--set", "width=" + "[" * 3000 + "]" * 3000))),
        ("--set width=<5000 digits>", Case((*run, "--set", "width=" + "7" * 5000))),
        ("--set lr=1<400 zeros>", Case((*run, "--set", "lr=1" + "0" * 400))),
        ("--params UTF-16 file", Case(("--params", "utf16.yaml", "run", "zz_demo"))),
        ("--params binary file", Case(("--params", "binary.yaml", "run", "zz_demo"))),
        ("--params a directory", Case(("--params", "dir", "run", "zz_demo"))),
        ("--params a FIFO", Case(("--params", "fifo", "run", "zz_demo"))),
        ("--params /dev/zero", Case(("--params", "/dev/zero", "run", "zz_demo"))),
        ("--out an existing file", Case(("--out", "afile", *run))),
        ("--out ''", Case(("--out", "", *run))),
        ("--threads ²", Case((*run, "--threads", "²"))),
        ("CLAIMBENCH_THREADS=<20 digits>", Case(tuple(run), env=(("CLAIMBENCH_THREADS", "9" * 20),))),
        ("--seeds 99999999999999999999", Case((*run, "--seeds", "9" * 20))),
        ("YAML alias bomb", Case(("--params", "bomb.yaml", "run", "zz_demo"))),
        ("duplicate key", Case(("--params", "dup.yaml", "run", "zz_demo"))),
        ("bottleneck_rank --set d_in=5", Case((*real, "--out", "out", "run", "bottleneck_rank", "--profile",
                                               "smoke", "--set", "d_in=5"))),
        ("invalid suite.profile", Case(("--params", "suite.yaml", "check"))),
        ("missing --params", Case(("--params", "missing.yaml", "summary"))),
    ]


def run_process(case: Case, work: Path, timeout: int) -> Outcome:
    """Run one case as a real `python -c` process in `work`."""
    before = snapshot(work)
    env = {**os.environ, **dict(case.env)}
    if case.params_file is not None:
        (work / "case.yaml").write_bytes(case.params_file)
        before = snapshot(work)
    try:
        r = subprocess.run([sys.executable, "-c", BOOT, *case.argv], cwd=work, env=env, capture_output=True,
                           timeout=timeout)
        out = Outcome(r.returncode, r.stderr.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        out = Outcome(None, "", hang=True)
    out.traceback = "Traceback" in out.stderr
    out.changed = sorted(set(snapshot(work).items()) ^ set(before.items()))
    (work / "case.yaml").unlink(missing_ok=True)
    return out


def tally(outcomes: list[tuple[Case, Outcome]]) -> dict[str, int]:
    """Counts of every way a case can go wrong."""
    return {"tracebacks": sum(o.traceback for _, o in outcomes), "hangs": sum(o.hang for _, o in outcomes),
            "exit 0": sum(o.code == 0 for _, o in outcomes),
            "other exit codes": sum(o.code not in (0, 2, None) for _, o in outcomes),
            "not one line": sum(len(o.stderr.splitlines()) != 1 for _, o in outcomes if not o.hang),
            "files written": sum(bool(o.changed) for _, o in outcomes)}


def fuzz(n: int, work: Path, seed: int) -> list[tuple[Case, Outcome]]:
    """Run n generated bad inputs in-process."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    done: list[tuple[Case, Outcome]] = []

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=bad_cases())
    def probe(case):
        done.append((case, run_case(case, work)))

    probe()
    return done


def report(title: str, outcomes: list[tuple[Case, Outcome]], seconds: float) -> bool:
    counts = tally(outcomes)
    distinct = len({(c.argv, c.env, c.params_file) for c, _ in outcomes})
    print(f"\n{title}: {len(outcomes)} bad inputs ({distinct} distinct) in {seconds:.0f} s")
    kinds = collections.Counter(c.kind for c, _ in outcomes)
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("  " + "   ".join(f"{k}: {v}" for k, v in counts.items()))
    for case, o in [x for x in outcomes if not x[1].ok][:5]:
        print(f"  NOT OK: {[a[:60] for a in case.argv]} env {case.env} file {(case.params_file or b'')[:80]!r} "
              f"-> exit {o.code}, hang {o.hang}: {o.stderr[-300:]!r} {o.changed[:2]}")
    return not any(counts.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--subprocess", type=int, default=40, help="generated cases also run as real processes")
    args = ap.parse_args()
    import papers

    papers.__path__.append(str(FIXTURES))
    work = make_workdir(Path(tempfile.mkdtemp(prefix="claimbench-fuzz-")))
    print("issue 18 reproducers (each a real process):")
    repro = []
    for name, case in reproducers(work):
        o = run_process(case, work, timeout=120)
        repro.append((case, o))
        print(f"  {name:<32} exit {o.code}  {o.stderr.strip()[:150]}")
    ok = report("reproducers", repro, 0)
    t0 = time.time()
    outcomes = fuzz(args.cases, work, args.seed)
    ok &= report("in-process fuzz", outcomes, time.time() - t0)
    sample = random.Random(args.seed).sample(outcomes, min(args.subprocess, len(outcomes)))
    t0 = time.time()
    ok &= report("as real processes", [(c, run_process(c, work, timeout=60)) for c, _ in sample], time.time() - t0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
