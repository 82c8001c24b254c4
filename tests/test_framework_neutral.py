"""Framework-neutral modules (claims, config, theory, metrics, lanczos, report, runner) import neither torch nor jax."""
import subprocess
import sys

from claimbench import registry

CORE = ["claimbench.claims", "claimbench.params", "claimbench.registry", "claimbench.results", "claimbench.runner",
        "claimbench.metrics", "claimbench.seeding", "claimbench.progress", "claimbench.cli", "claimbench.devices",
        "claimbench.report.build", "claimbench.report.theme", "claimbench.hessian.lanczos", "claimbench.layout",
        "claimbench.scaffold", "claimbench.tolerances", "claimbench.experiments", "claimbench.drift",
        "claimbench.bench.cli", "claimbench.bench.compare", "claimbench.bench.history", "claimbench.bench.page",
        "claimbench.bench.stats", "claimbench.bench.suite", "claimbench.bench.worker", "claimbench.variants",
        "claimbench.sweep.command", "claimbench.sweep.execute", "claimbench.sweep.frontier", "claimbench.sweep.page",
        "distributed"]  # a sweep's submitting process needs neither framework, nor does Dask itself


def neutral_modules():
    """Core modules plus every module of a paper folder whose name does not say torch or jax."""
    mods = list(CORE)
    for slug, folder in registry.paper_dirs().items():
        mods += [f"papers.{slug}.{f.stem}" for f in sorted(folder.glob("*.py"))
                 if "torch" not in f.stem and "jax" not in f.stem]
    return mods


def test_neutral_modules_do_not_import_frameworks():
    code = ("import importlib, sys\n"
            f"for m in {neutral_modules()!r}:\n"
            "    importlib.import_module(m)\n"
            "    bad = [f for f in ('torch', 'jax', 'jaxlib') if f in sys.modules]\n"
            "    assert not bad, f'{m} imports {bad}'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
