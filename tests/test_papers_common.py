"""One battery over every discovered paper: layout, claims, params, and the smoke profile end to end.

The smoke run goes through the real CLI in a temporary folder (run / report / check) for both backends,
and the two backends' verdicts and metrics are compared with claimbench.tolerances; every figure it
draws is checked for legibility (claimbench.report.legibility) as it is saved.
CLAIMBENCH_BATTERY_PAPERS=slug[,slug] limits the battery to those papers (the scaffold test uses it).
"""
import importlib
import json
import os
import shutil
import typing
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from claimbench import layout, registry
from claimbench.claims import PROFILES
from claimbench.cli import main
from claimbench.params import load
from claimbench.report.legibility import problems
from claimbench.tolerances import metric_tolerance

ROOT = Path(__file__).resolve().parents[1]
ONLY = [s for s in os.environ.get("CLAIMBENCH_BATTERY_PAPERS", "").split(",") if s]
PAPERS = [s for s in registry.discover_papers() if not ONLY or s in ONLY]


def test_there_are_papers():
    assert PAPERS, "no papers/*/claims.py found"


@pytest.mark.parametrize("slug", PAPERS)
def test_paper_folder_follows_the_scheme(slug):
    problems = layout.check_folder(registry.paper_dirs()[slug])
    assert not problems, "\n".join(problems)


def test_scheme_check_fails_on_unknown_names_and_missing_roles(tmp_path):
    folder = tmp_path / "some_paper"
    shutil.copytree(registry.paper_dirs()[registry.discover_papers()[0]], folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert layout.check_folder(folder) == []
    (folder / "common.py").write_text("")
    (folder / "theory.py").unlink()
    (folder / "experiments_phase.py").write_text("")  # a split role keeps its prefix: allowed
    problems = layout.check_folder(folder)
    assert len(problems) == 2, problems
    assert "common.py: not a role file" in problems[0] and "theory.py: missing" in problems[1]


@pytest.mark.parametrize("slug", PAPERS)
def test_paper_claims_and_readme(slug):
    paper = registry.load_paper(slug)
    ids = [c.id for c in paper.claims]
    assert len(ids) == len(set(ids)), "duplicate claim ids"
    readme = (paper.folder / "README.md").read_text()
    assert paper.info.arxiv.split("v")[0] in readme, "README must cite the arXiv id"


@pytest.mark.parametrize("slug", PAPERS)
def test_experiments_are_written_once_against_an_ops_protocol(slug):
    mod = importlib.import_module(f"papers.{slug}.experiments")
    assert getattr(mod.Ops, "_is_protocol", False), "experiments.Ops must be a typing.Protocol"
    assert typing.Protocol in mod.Ops.__mro__
    for name, fn in mod.EXPERIMENTS.items():
        assert fn.__name__ == name, f"EXPERIMENTS[{name!r}] is {fn.__name__}: name the function as its key"
    for c in registry.load_paper(slug).claims:
        assert c.experiment in mod.EXPERIMENTS, f"{c.id}: no experiment {c.experiment!r}"


@pytest.mark.parametrize("slug", PAPERS)
@pytest.mark.parametrize("backend", registry.BACKENDS)
def test_each_backend_binds_every_experiment(slug, backend):
    neutral = importlib.import_module(f"papers.{slug}.experiments").EXPERIMENTS
    assert list(registry.backend_module(slug, backend).EXPERIMENTS) == list(neutral)


@pytest.mark.parametrize("slug", PAPERS)
@pytest.mark.parametrize("profile", PROFILES)
def test_params_yaml_profiles_validate(slug, profile):
    load(registry.load_paper(slug).params_cls, ROOT / "params.yaml", slug, profile)


def test_dvc_matrix_lists_exactly_the_discovered_papers():
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    run = dvc["stages"]["run"]
    assert sorted(run["matrix"]["paper"]) == registry.discover_papers()
    # one stage per paper runs every backend (--backend all): its outs and metrics must name each one
    assert "--backend all" in run["cmd"]
    outs, metrics = " ".join(run["outs"]), " ".join(k for m in run["metrics"] for k in m)
    for backend in registry.BACKENDS:
        assert f"/{backend}/" in outs and f".{backend}." in metrics, backend


SMOKE_FIGURES: dict[str, list[str]] = {}  # figure name -> legibility problems, filled by the smoke run


@pytest.fixture(scope="module")
def smoke_reports(tmp_path_factory):
    """Run every paper's smoke profile on both backends through the CLI, then build the report.

    Every figure is checked for legibility as it is saved (one smoke run serves both batteries)."""
    work = tmp_path_factory.mktemp("smoke")
    shutil.copy(ROOT / "params.yaml", work / "params.yaml")
    out = work / "reports"
    args = ["--params", str(work / "params.yaml"), "--out", str(out)]
    original = Figure.savefig

    def savefig(fig, fname, *a, **kw):
        name = Path(str(fname)).stem
        SMOKE_FIGURES[name] = SMOKE_FIGURES.get(name, []) + problems(fig, name)
        return original(fig, fname, *a, **kw)

    with mock.patch.object(Figure, "savefig", savefig):
        assert main([*args, "run", *PAPERS, "--profile", "smoke", "--backend", "all"]) == 0
    assert main([*args, "report", "--profile", "smoke"]) == 0
    return out, main([*args, "check", "--profile", "smoke"])


def test_every_smoke_figure_is_legible(smoke_reports):
    drawn = {c.figure for s in PAPERS for c in registry.load_paper(s).claims if c.figure and "smoke" in c.profiles}
    assert drawn <= set(SMOKE_FIGURES), sorted(drawn - set(SMOKE_FIGURES))  # every claim's figure was checked
    found = sorted({p for issues in SMOKE_FIGURES.values() for p in issues})
    assert not found, "\n".join(found)


def test_report_files_and_check_exit_code(smoke_reports):
    out, check_code = smoke_reports
    df = pd.read_csv(out / "verdicts.csv")
    assert set(df.paper) == set(PAPERS) and set(df.backend) == set(registry.BACKENDS)
    assert check_code == (1 if df.status.isin(["FAIL", "ERROR"]).any() else 0)
    assert (out / "index.html").stat().st_size > 1000 and (out / "summary.md").exists()


@pytest.mark.parametrize("slug", PAPERS)
@pytest.mark.parametrize("backend", registry.BACKENDS)
def test_smoke_run_measures_every_claim_and_draws_its_figures(smoke_reports, slug, backend):
    folder = smoke_reports[0] / "runs" / slug / backend / "smoke"
    verdicts = json.loads((folder / "verdicts.json").read_text())
    errors = [f"{v['claim_id']}: {v['message']}" for v in verdicts if v["status"] == "ERROR"]
    assert not errors, errors
    meta = json.loads((folder / "meta.json").read_text())
    assert not meta["figure_error"], meta["figure_error"]
    for c in registry.load_paper(slug).claims:
        if c.figure and "smoke" in c.profiles:
            assert c.figure in meta["figures"], f"{c.id}: figure {c.figure!r} was not drawn"
            assert (folder / "figures" / meta["figures"][c.figure]).exists()


def _dtype(slug: str, experiment: str) -> str:
    """The dtype a paper's experiment computes in: experiments.DTYPE (a name, or {experiment: name})."""
    declared = getattr(importlib.import_module(f"papers.{slug}.experiments"), "DTYPE", "float64")
    return declared.get(experiment, "float64") if isinstance(declared, dict) else declared


@pytest.mark.parametrize("slug", PAPERS)
def test_backends_agree_on_every_claim_at_smoke_size(smoke_reports, slug):
    """Same verdict in torch and jax, and each seed's metric within the tolerance table's bound."""
    runs = smoke_reports[0] / "runs" / slug
    torch_v, jax_v = ({v["claim_id"]: v for v in json.loads((runs / b / "smoke" / "verdicts.json").read_text())}
                      for b in ("torch", "jax"))
    claims = {c.id: c for c in registry.load_paper(slug).claims}
    problems = []
    for cid, t in torch_v.items():
        j = jax_v[cid]
        if t["status"] != j["status"]:
            problems.append(f"{cid}: torch {t['status']} vs jax {j['status']}")
        rtol, atol, why = metric_tolerance(cid, _dtype(slug, claims[cid].experiment))
        for a, b in zip(t["per_seed"], j["per_seed"], strict=True):
            if a is not None and b is not None and abs(a - b) > atol + rtol * max(abs(a), abs(b)):
                problems.append(f"{cid}: torch {a!r} vs jax {b!r} beyond rtol {rtol:g}, atol {atol:g} ({why})")
    assert not problems, "\n".join(problems)
