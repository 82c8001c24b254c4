"""Variant runs (`--set`, `--seeds`) get their own folder; the report shows canonical runs unless asked."""
import json
from pathlib import Path

import pandas as pd

from claimbench import runner, variants
from claimbench.cli import main

RUN = ["--params", "params.yaml", "run", "zz_demo", "--backend", "jax"]
CANONICAL = Path("reports/runs/zz_demo/jax/fast")


def variant_folders() -> list[Path]:
    return sorted(Path("reports/variants/zz_demo/jax/fast").iterdir())


def test_a_run_with_overrides_writes_its_own_folder_and_leaves_the_canonical_one(demo_paper):
    assert main(RUN) == 0
    before = {p: p.read_bytes() for p in CANONICAL.rglob("*") if p.is_file()}
    metrics = Path("reports/metrics/zz_demo.jax.fast.json").read_bytes()
    assert main([*RUN, "--set", "width=512", "--set", "lr=1e-3"]) == 0
    assert {p: p.read_bytes() for p in CANONICAL.rglob("*") if p.is_file()} == before
    assert Path("reports/metrics/zz_demo.jax.fast.json").read_bytes() == metrics  # DVC's metric: canonical only
    [folder] = variant_folders()
    assert folder.name.startswith("lr=0.001,width=512-")
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["variant"]["overrides"] == {"lr": 0.001, "width": 512} and meta["variant"]["name"] == folder.name
    assert meta["params"]["width"] == 512 and meta["date"].endswith("Z")
    assert json.loads((CANONICAL / "meta.json").read_text())["variant"] is None


def test_the_same_overrides_written_differently_reuse_one_folder_and_seeds_make_another(demo_paper):
    a = runner.make_spec("zz_demo", "jax", "fast", params_path=demo_paper, overrides={"lr": "1e-3"}, configure=False)
    b = runner.make_spec("zz_demo", "jax", "fast", params_path=demo_paper, overrides={"lr": 0.001}, configure=False)
    assert a.variant == b.variant and a.variant.startswith("lr=0.001-")
    assert runner.make_spec("zz_demo", "jax", "fast", params_path=demo_paper, configure=False).variant is None
    assert main([*RUN, "--seeds", "3"]) == 0
    [folder] = variant_folders()
    assert folder.name.startswith("seeds=3-") and not CANONICAL.exists()
    assert variants.name_of({}, 3) == folder.name


def test_report_shows_canonical_results_unless_asked_for_variants(demo_paper, capsys):
    assert main(RUN) == 0
    assert main([*RUN, "--set", "width=512"]) == 0
    capsys.readouterr()
    assert main(["--params", "params.yaml", "report", "--profile", "fast"]) == 0
    df = pd.read_csv("reports/verdicts.csv", keep_default_na=False)
    assert len(df) == 4 and "variant" not in df.columns
    assert "variant" not in capsys.readouterr().out and 'class="badge"' not in Path("reports/index.html").read_text()
    assert main(["--params", "params.yaml", "report", "--profile", "fast", "--variants"]) == 0
    df = pd.read_csv("reports/verdicts.csv", keep_default_na=False)
    assert len(df) == 8 and set(df.variant) == {"", variant_folders()[0].name}
    page = Path("reports/index.html").read_text()
    assert f"variant {variant_folders()[0].name}</span>" in page
    assert main(["--params", "params.yaml", "check", "--profile", "fast"]) == 1  # the demo has ERROR claims
    assert capsys.readouterr().out.splitlines()[-1] == "2 of 4 claim verdicts are PASS or SKIP"  # variants left out


def test_a_variant_folder_that_claims_to_be_another_is_broken(demo_paper, capsys):
    assert main([*RUN, "--set", "width=7"]) == 0
    [folder] = variant_folders()
    meta = json.loads((folder / "meta.json").read_text())
    meta["variant"]["name"] = "width=8-0000000000"
    (folder / "meta.json").write_text(json.dumps(meta))
    assert main(["--params", "params.yaml", "check", "--profile", "fast", "--variants"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN zz_demo [jax/fast]" in out and "variant is 'width=8-0000000000'" in out
