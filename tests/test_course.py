"""Course mode (claimbench.course): declarations, the harness on planted solutions, bad input.

The end-to-end otter path (build, then grade the reference, the untouched student notebook and a
planted error) is in tests/test_course_otter.py.
"""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("otter")  # the course extra: `make test` installs it

from claimbench import registry  # noqa: E402
from claimbench.cli import main  # noqa: E402
from claimbench.course import build, harness, notebook  # noqa: E402
from claimbench.course.spec import resolve  # noqa: E402

PAPERS = sorted(s for s, d in registry.paper_dirs().items() if (d / "assignment.py").exists())


def test_two_papers_declare_an_assignment():
    assert {"three_mechanisms", "edge_of_stability"} <= set(PAPERS)


@pytest.mark.parametrize("paper", PAPERS)
def test_declaration_points_at_real_code_and_claims(paper, tmp_path):
    a = build.load(paper)
    config = build.grading_config(a, registry.paper_dirs()[paper].parents[1] / "params.yaml")
    assert config["params"] and config["seeds"] == 1
    for ex in a.exercises:
        header, doc, body = notebook.split_function(resolve(ex.reference))
        assert header.startswith("def ") and doc.strip().startswith('"""') and body.strip()
        assert callable(resolve(ex.check))
    assert any(g.public for g in a.claims) and any(not g.public for g in a.claims)
    assert build.solution_lines(a), "no solution line found: the leak test would test nothing"


def _env(paper: str, replace: dict[str, tuple[str, str]] | None = None) -> dict:
    """A notebook namespace with the reference solutions exec'd from the master notebook's cells."""
    a = harness.load_assignment(paper)
    env = {"__name__": "__main__"}
    exec(a.setup, env)
    for ex in a.exercises:
        src = notebook.solution_cell(ex)
        old, new = (replace or {}).get(ex.name, ("", ""))
        if old:
            assert old in src, f"planted edit not found in {ex.name}"
            src = src.replace(old, new)
        exec(src, env)
    return env


@pytest.fixture(scope="module")
def tm_config():
    a = build.load("three_mechanisms")
    return build.grading_config(a, registry.paper_dirs()["three_mechanisms"].parents[1] / "params.yaml")


@pytest.mark.slow
def test_a_frozen_gd_step_loses_every_claim_that_runs_it(tm_config):
    """Graded claims must discriminate: a step that never moves (u, W) earns nothing on gd_step's claims."""
    env = _env("three_mechanisms", {"gd_step": (
        "return u - lr_u * kappa * e * w, W - lr_w * kappa * e * (u[:, None] * n[None, :])", "return u, W")})
    a = harness.load_assignment("three_mechanisms")
    for g in a.claims:
        v = harness.evaluate_claim(env, "three_mechanisms", g.name, tm_config)
        assert (v.status.value == "PASS") == ("gd_step" not in g.uses), (g.name, v.status, v.measured)


def test_an_imported_reference_is_refused(tm_config):
    from papers.three_mechanisms import theory

    v = harness.evaluate_claim({"solve": theory.solve}, "three_mechanisms", "closed_form_matches_ode_solver",
                               tm_config)
    assert v.status.value == "ERROR" and "imported from papers.three_mechanisms.theory" in v.message


def test_substitution_is_undone():
    from claimbench.hessian import lanczos
    from papers.edge_of_stability import measures

    a = harness.load_assignment("edge_of_stability")
    ref = lanczos.top_eigenvalues

    def mine(*args, **kwargs):
        return ref(*args, **kwargs)

    chosen = {"hvp": resolve(a.exercise("hvp").reference), "top_eigenvalues": mine}
    with harness.substituted(a, chosen):
        assert measures.top_eigenvalues is mine and lanczos.top_eigenvalues is mine
    assert measures.top_eigenvalues is ref and lanczos.top_eigenvalues is ref


def test_public_checks_accept_the_reference_and_name_the_stub():
    for paper in PAPERS:
        env = _env(paper)
        for ex in harness.load_assignment(paper).exercises:
            harness.check_exercise(env, paper, ex.name)
            stub = {ex.name: lambda *a, **k: (_ for _ in ()).throw(NotImplementedError("todo"))}
            with pytest.raises(AssertionError, match=f"your {ex.name}\\(\\) raised NotImplementedError"):
                harness.check_exercise(stub, paper, ex.name)


def test_numpy_reference_step_matches_the_torch_simulator():
    """The exercise's reference (theory_gd) is the reproduction's GD: same trajectories as torch_impl."""
    from papers.three_mechanisms import data, theory_gd, torch_impl

    rng = np.random.default_rng(0)
    configs = [data.make_config(0.3 * rng.standard_normal(4), 0.3 * rng.standard_normal(4), eta_w=0.5),
               data.make_config(0.1 * rng.standard_normal(3), None, W0=0.1 * rng.standard_normal((3, 2)),
                                  n=np.array([0.6, 0.8]), kappa=0.5, a=-1.0)]
    batch = data.make_batch(configs, hk=1e-2, max_steps=200, n_records=4)
    for got, want in zip(theory_gd.simulate(batch), torch_impl.simulate_gd(batch), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("argv, needle", [
    (["assignment", "build", "bottleneck_rank"], "declares no assignment"),
    (["assignment", "build", "no_such_paper"], "unknown paper"),
    (["assignment", "grade", "three_mechanisms", "missing.ipynb", "--autograder", "missing.zip"], "missing.zip"),
    (["assignment", "grade", "three_mechanisms", "nowhere.ipynb"], "claimbench assignment build"),
])
def test_bad_input_is_one_line_and_exit_2(argv, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "grades.csv"
    assert main([*argv, *(["--out", str(out)] if argv[1] == "grade" else [])]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and not (tmp_path / "dist").exists()
