"""One battery over every discovered paper: layout, claims, params, and the smoke profile end to end.

The smoke run goes through the real CLI in a temporary folder (run / report / check) for both backends.
"""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from claimbench import registry
from claimbench.claims import PROFILES
from claimbench.cli import main
from claimbench.params import load

ROOT = Path(__file__).resolve().parents[1]
PAPERS = registry.discover_papers()
REQUIRED_FILES = ("README.md", "claims.py", "config.py", "torch_impl.py", "jax_impl.py", "figures.py")


def test_there_are_papers():
    assert PAPERS, "no papers/*/claims.py found"


@pytest.mark.parametrize("slug", PAPERS)
def test_paper_layout_and_claims(slug):
    paper = registry.load_paper(slug)
    for name in REQUIRED_FILES:
        assert (paper.folder / name).exists(), f"papers/{slug}/{name} is missing"
    ids = [c.id for c in paper.claims]
    assert len(ids) == len(set(ids)), "duplicate claim ids"
    readme = (paper.folder / "README.md").read_text()
    assert paper.info.arxiv.split("v")[0] in readme, "README must cite the arXiv id"


@pytest.mark.parametrize("slug", PAPERS)
@pytest.mark.parametrize("backend", registry.BACKENDS)
def test_every_claim_has_its_experiment_in_each_backend(slug, backend):
    experiments = registry.backend_module(slug, backend).EXPERIMENTS
    for c in registry.load_paper(slug).claims:
        assert c.experiment in experiments, f"{c.id}: {backend}_impl has no experiment {c.experiment!r}"


@pytest.mark.parametrize("slug", PAPERS)
@pytest.mark.parametrize("profile", PROFILES)
def test_params_yaml_profiles_validate(slug, profile):
    load(registry.load_paper(slug).params_cls, ROOT / "params.yaml", slug, profile)


def test_dvc_matrix_lists_exactly_the_discovered_papers():
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    assert sorted(dvc["stages"]["run"]["matrix"]["paper"]) == PAPERS
    assert sorted(dvc["stages"]["run"]["matrix"]["backend"]) == sorted(registry.BACKENDS)


@pytest.fixture(scope="module")
def smoke_reports(tmp_path_factory):
    """Run every paper's smoke profile on both backends through the CLI, then build the report."""
    work = tmp_path_factory.mktemp("smoke")
    shutil.copy(ROOT / "params.yaml", work / "params.yaml")
    out = work / "reports"
    args = ["--params", str(work / "params.yaml"), "--out", str(out)]
    assert main([*args, "run", *PAPERS, "--profile", "smoke", "--backend", "all"]) == 0
    assert main([*args, "report", "--profile", "smoke"]) == 0
    return out, main([*args, "check", "--profile", "smoke"])


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
