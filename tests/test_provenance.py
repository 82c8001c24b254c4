"""What a run records about how it ran: the commit (dirty only for source changes) and pinned threads."""
import subprocess
import sys

from claimbench.results import _git_commit


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_dirty_means_a_tracked_source_file_changed(tmp_path):
    for name in ("src/mod.py", "reports/summary.md", "reports/runs/x/.gitignore", "dvc.lock"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("v1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.email=t@e.x", "-c", "user.name=t", "add", "-A")
    _git(tmp_path, "-c", "user.email=t@e.x", "-c", "user.name=t", "commit", "-qm", "init")
    clean = _git_commit(tmp_path)
    assert len(clean) == 40 and "+dirty" not in clean
    for name in ("reports/summary.md", "reports/runs/x/.gitignore", "dvc.lock"):  # what a run rewrites
        (tmp_path / name).write_text("v2\n")
    (tmp_path / "untracked.txt").write_text("new\n")
    assert _git_commit(tmp_path) == clean
    (tmp_path / "src" / "mod.py").write_text("v2\n")
    assert _git_commit(tmp_path) == clean + "+dirty"
    assert _git_commit(tmp_path / "src") == clean + "+dirty"  # from a subfolder too


def test_not_a_git_repo_is_unknown(tmp_path):
    assert _git_commit(tmp_path) == "unknown"


def test_thread_limits_reach_a_blas_loaded_before_them():
    code = ("import numpy, threadpoolctl\n"
            "from claimbench.threads import limit_threads\n"
            "limit_threads(1)\n"
            "print(sorted({p['num_threads'] for p in threadpoolctl.threadpool_info()}))\n")
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1]"


def test_the_entry_point_sets_threads_before_numpy_loads(tmp_path):
    """`claimbench` / `python -m claimbench`: the thread variables are in place when numpy is imported."""
    code = ("import os, sys\n"
            "seen = []\n"
            "class Spy:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'numpy' and not seen:\n"
            "            seen.append(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
            "sys.meta_path.insert(0, Spy())\n"
            "from claimbench.__main__ import main\n"
            f"main(['--out', {str(tmp_path)!r}, '--params', 'missing.yaml', 'report', '--profile', 'fast'])\n"
            "print(seen)\n")
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "2", "CLAIMBENCH_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "['1']"
