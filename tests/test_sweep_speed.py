"""What keeps N sweep workers about N times as fast as one (issue 16), and one thread meaning one (17).

Points draw no run figures, jax workers of a cluster the sweep starts share one compilation cache
(removed at the end), points that share compiled code are submitted apart, and a one-thread jax run
starts XLA with one intra-op pool thread.
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from claimbench import params
from claimbench.cli import main
from claimbench.sweep.execute import held_back, submission_order

ROOT = Path(__file__).resolve().parents[1]


def _point(backend: str, **values) -> SimpleNamespace:
    return SimpleNamespace(backend=backend, values=tuple(values.items()))


def test_points_sharing_compiled_code_are_submitted_apart():
    grid = [_point("jax", depth=d, wd=w) for d in (4, 8) for w in (0.1, 0.2, 0.3)]
    order = submission_order(grid)
    assert sorted(map(id, order)) == sorted(map(id, grid))  # a permutation
    depths = [dict(p.values)["depth"] for p in order]
    assert depths == [8, 4, 8, 4, 8, 4]  # largest first; never two of one depth while the other waits
    assert [dict(p.values)["wd"] for p in order[:2]] == [0.3, 0.3]
    one_group = [_point("jax", lr=x) for x in (0.1, 0.2, 0.3)]
    assert submission_order(one_group) == one_group[::-1]  # largest (guessed longest) first
    mixed = [_point("jax", n=n, act=a) for a in ("relu", "tanh") for n in (100, 300)]
    assert [dict(p.values)["n"] for p in submission_order(mixed)] == [300, 300, 100, 100]
    held = held_back(order, workers=2)  # 2 depths, 2 workers: each depth's first point compiles alone
    assert {k: [dict(p.values)["wd"] for p in v] for k, v in held.items()} == {id(order[0]): [0.2, 0.1],
                                                                                 id(order[1]): [0.2, 0.1]}
    assert held_back(order, workers=3) == {}  # fewer groups than workers: nobody would wait
    assert held_back(one_group, workers=1) == {}
    both = [_point(b, lr=0.1) for b in ("torch", "jax")]
    assert [p.backend for p in submission_order(both)] == ["torch", "jax"]  # backends never share


def test_sweep_points_draw_no_figures_and_leave_no_compile_cache(demo_paper, capsys):
    argv = ["--params", "params.yaml", "sweep", "zz_demo", "--backend", "jax", "--grid", "lr=0.5,2.0",
            "--claims", "good", "--scheduler", "local", "--workers", "1"]
    assert main(argv) == 0
    metas = list(Path("reports/variants/zz_demo/jax/fast").glob("*/meta.json"))
    assert len(metas) == 2
    for meta in metas:
        m = json.loads(meta.read_text())
        assert m["figures"] == {} and m["figure_error"] == ""
        assert not (meta.parent / "figures").exists()
    assert not list(Path("reports/sweeps").glob(".compile-cache-*"))  # removed when the sweep ends
    assert "2 computed" in capsys.readouterr().out


def test_a_jax_worker_writes_its_compilations_to_the_shared_folder(tmp_path):
    code = ("import sys, jax, jax.numpy as jnp\n"
            "from claimbench.sweep.execute import share_compilations\n"
            "share_compilations(sys.argv[1], 'jax')\n"
            "jax.jit(lambda x: jnp.sin(x) @ x.T)(jnp.ones((8, 8))).block_until_ready()\n")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, cwd=ROOT)
    assert list(tmp_path.iterdir()), "no compiled program in the shared cache folder"
    other = tmp_path / "torch"
    subprocess.run([sys.executable, "-c", code.replace("'jax'", "'torch'"), str(other)], check=True, cwd=ROOT)
    assert not other.exists()  # a torch point leaves jax alone


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and at least 2 CPUs to tell one pool thread from several")
def test_a_one_thread_jax_run_starts_xla_with_one_pool_thread():
    code = ("import os\n"
            "from claimbench.threads import limit_threads\n"
            "limit_threads({threads}, 'jax')\n"
            "import jax.numpy as jnp\n"
            "(jnp.ones((200, 200)) @ jnp.ones((200, 200))).block_until_ready()\n"
            "names = [open(f'/proc/self/task/{{t}}/comm').read().strip() for t in os.listdir('/proc/self/task')]\n"
            "print(sum('XLAEigen' in n for n in names), len(os.sched_getaffinity(0)))\n")
    cpus = len(os.sched_getaffinity(0))
    for threads, pool in ((1, 1), (2, 2)):
        out = subprocess.run([sys.executable, "-c", code.format(threads=threads)], check=True, cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
        assert out == [str(pool), str(cpus)], (threads, out)  # pool sized, every CPU usable again


def test_params_yaml_is_parsed_once_and_callers_get_their_own_copy(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("demo:\n  fast:\n    width: 3\n")
    first = params.read_yaml(path)
    first["demo"]["fast"]["width"] = 99
    assert params.read_yaml(path)["demo"]["fast"]["width"] == 3
    path.write_text("demo:\n  fast:\n    width: 4\n")
    assert params.read_yaml(path)["demo"]["fast"]["width"] == 4  # keyed by the text, not the path
