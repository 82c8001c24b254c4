"""How often does `claimbench bench compare` cry wolf, and how often does it catch a real slowdown?

    .venv/bin/python benchmarks/false_alarm_rate.py [--repeats 20] [--rounds 6] [--timer cpu]
    .venv/bin/python benchmarks/false_alarm_rate.py --slowdown 1.3        # detection rate instead
    .venv/bin/python benchmarks/false_alarm_rate.py --repo . -k "mfld_steps and 200"   # real kernels

Default: the synthetic suite of tests/bench_scratch.py in a scratch git repository, compared with itself
(BASE = the commit, HEAD = the unchanged working tree) `--repeats` times through the real CLI. With
`--slowdown F`, toy.work() does F times the work on the HEAD side. With `--repo PATH`, that repository's
benchmarks (selected by -k / --path) are compared between two checkouts of its HEAD commit, so nothing
differs but the checkout. Prints each repetition's exit code and largest interval lower bound, then the
counts; exits 1 when fewer than 19 in 20 no-change comparisons exit 0 (or, with --slowdown, fewer than
19 in 20 catch it). Not part of `make test`: each repetition takes seconds to minutes; run it on a quiet
machine for the numbers that count.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import bench_scratch  # noqa: E402


def one(repo: Path, args, out: Path) -> tuple[int, dict | None]:
    """Run one comparison through the CLI; (exit code, its JSON)."""
    head = ["HEAD"] if args.repo else []  # real repo: two clean checkouts of HEAD
    sel = [*(["-k", args.k] if args.k else []), *sum((["--path", p] for p in args.path), [])]
    cmd = [sys.executable, "-m", "claimbench.cli", "--out", str(out), "bench", "compare", "HEAD", *head,
           "--rounds", str(args.rounds), "--timer", args.timer, "--threshold", str(args.threshold), *sel]
    r = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    path = out / "bench" / "compare" / "latest.json"
    data = json.loads(path.read_text()) if r.returncode in (0, 1) and path.exists() else None
    if data is None:
        print(r.stdout[-1500:], r.stderr[-1500:])
    return r.returncode, data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--timer", default="cpu", choices=["cpu", "wall"])
    ap.add_argument("--threshold", type=float, default=1.10)
    ap.add_argument("--slowdown", type=float, default=None, help="HEAD's toy.work() does this factor of work")
    ap.add_argument("--repo", default=None, help="compare this repository's own benchmarks instead")
    ap.add_argument("-k", default=None)
    ap.add_argument("--path", action="append", default=[])
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="claimbench-false-alarm-"))
    repo = Path(args.repo).resolve() if args.repo else bench_scratch.make_repo(tmp / "repo")
    if args.slowdown and not args.repo:
        bench_scratch.slow_down(repo, args.slowdown)
    codes, t0 = [], time.time()
    for i in range(args.repeats):
        t = time.time()
        rc, data = one(repo, args, tmp / f"out{i}")
        codes.append(rc)
        lows = {r["name"]: r["ci_low"] for r in (data or {}).get("benchmarks", []) if r["ci_low"] is not None}
        worst = max(lows.items(), key=lambda kv: kv[1]) if lows else ("-", float("nan"))
        print(f"{i + 1:3d}: exit {rc}  largest CI low {worst[1]:.3f} ({worst[0]})  {time.time() - t:.0f} s", flush=True)
    want = 1 if args.slowdown else 0
    hits = sum(c == want for c in codes)
    what = f"caught the {args.slowdown}x slowdown" if args.slowdown else "exited 0 (no false alarm)"
    print(f"{hits} of {len(codes)} comparisons {what}; other exit codes: "
          f"{sorted(c for c in codes if c != want)}; {args.rounds} rounds, {args.timer} time, threshold "
          f"{args.threshold}; {time.time() - t0:.0f} s in all")
    return 0 if hits >= 0.95 * len(codes) else 1


if __name__ == "__main__":
    sys.exit(main())
