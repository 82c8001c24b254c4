"""Claim evaluation semantics: expectations, margins, k-of-n seeds, NaN and missing values, skips."""
import json
import math

import numpy as np
import pytest

from claimbench.claims import (
    AtLeast,
    AtMost,
    Between,
    Claim,
    Close,
    Source,
    Status,
    Verdict,
    evaluate,
    skipped,
)


def make_claim(expect, seeds=1, must_hold=1, **kw):
    return Claim(id="p.c", statement="s", source=Source("derived", "test"), experiment="e", metric="m",
                 expect=expect, why="test", seeds=seeds, must_hold=must_hold, **kw)


@pytest.mark.parametrize("expect, value, holds", [
    (Close(1.0, rtol=0.1), 1.09, True), (Close(1.0, rtol=0.1), 1.11, False),
    (Close(0.0, atol=1e-3), -9e-4, True), (Close(0.0, atol=1e-3), 2e-3, False),
    (AtLeast(2.0), 2.0, True), (AtLeast(2.0), 1.99, False),
    (AtMost(1e-3), 1e-4, True), (AtMost(1e-3), 1.1e-3, False),
    (Between(0.85, 1.2), 1.0, True), (Between(0.85, 1.2), 0.8, False), (Between(0.85, 1.2), 1.3, False),
])
def test_expectations_hold_exactly_when_margin_is_nonnegative(expect, value, holds):
    v = evaluate(make_claim(expect), [value])
    assert (v.status is Status.PASS) == holds
    assert (v.margin >= 0) == holds


def test_margin_is_in_metric_units():
    assert evaluate(make_claim(AtLeast(2.0)), [2.5]).margin == pytest.approx(0.5)
    assert evaluate(make_claim(Between(0.0, 1.0)), [0.9]).margin == pytest.approx(0.1)
    assert evaluate(make_claim(Close(10.0, rtol=0.1)), [10.5]).margin == pytest.approx(0.5)


def test_k_of_n_seeds_rule_and_median():
    claim = make_claim(AtMost(1.0), seeds=3, must_hold=2)
    v = evaluate(claim, [0.5, 2.0, 0.9])
    assert v.status is Status.PASS and v.seeds_held == 2 and v.measured == 0.9
    assert v.margin == pytest.approx(0.1)  # the 2nd-best seed
    v = evaluate(claim, [0.5, 2.0, 3.0])
    assert v.status is Status.FAIL and v.seeds_held == 1 and v.margin == pytest.approx(-1.0)


@pytest.mark.parametrize("seeds, must_hold, n, k", [(3, 3, 1, 1), (3, 2, 1, 1), (3, 1, 5, 2), (3, 3, 5, 5),
                                                    (3, 2, 3, 2), (5, 4, 2, 2)])
def test_other_seed_counts_keep_the_fraction_rounded_up(seeds, must_hold, n, k):
    claim = make_claim(AtMost(1.0), seeds=seeds, must_hold=must_hold)
    assert evaluate(claim, [0.5] * n).must_hold == k


@pytest.mark.parametrize("bad", [float("nan"), math.inf, None])
def test_nan_inf_or_missing_value_is_error_not_fail(bad):
    v = evaluate(make_claim(AtMost(1.0), seeds=2, must_hold=1), [0.1, bad])
    assert v.status is Status.ERROR and "seed" in v.message


def test_error_message_from_the_experiment_is_kept():
    v = evaluate(make_claim(AtMost(1.0)), [None], ["RuntimeError: boom"])
    assert v.status is Status.ERROR and v.message == "RuntimeError: boom"


def test_skip_names_profiles_and_reason():
    v = skipped(make_claim(AtMost(1.0), profiles=("full",), skip_why="needs depth 25"), "fast")
    assert v.status is Status.SKIP and "full" in v.message and "depth 25" in v.message


def test_verdict_round_trips_through_json(tmp_path):
    from claimbench.results import write_json

    v = evaluate(make_claim(Between(0, 1), seeds=2, must_hold=2), [0.2, 0.4])
    write_json(tmp_path / "v.json", v.to_dict())
    assert Verdict.from_dict(json.loads((tmp_path / "v.json").read_text())) == v
    e = evaluate(make_claim(AtMost(1.0)), [float("nan")])
    write_json(tmp_path / "e.json", e.to_dict())  # NaN is stored as null: strict JSON
    assert json.loads((tmp_path / "e.json").read_text())["per_seed"] == [None]


@pytest.mark.parametrize("bad", [lambda: Close(1.0, rtol=-0.5), lambda: AtMost(float("nan")),
                                 lambda: AtLeast(math.inf), lambda: Between(1.0, 0.0), lambda: Close("1")])
def test_expectations_need_finite_sensible_thresholds(bad):
    with pytest.raises(ValueError):
        bad()


def test_an_array_is_not_a_metric_value():
    v = evaluate(make_claim(AtMost(1.0)), [np.array([0.1, 0.2])])
    assert v.status is Status.ERROR and "not a number" in v.message


@pytest.mark.parametrize("kw", [dict(why=" "), dict(seeds=2, must_hold=3), dict(profiles=("huge",)),
                                dict(id="nodot")])
def test_malformed_claims_are_rejected(kw):
    base = dict(id="p.c", statement="s", source=Source("derived", "t"), experiment="e", metric="m",
                expect=AtMost(1.0), why="w")
    with pytest.raises(ValueError):
        Claim(**{**base, **kw})


def test_source_kind_is_paper_or_derived():
    with pytest.raises(ValueError):
        Source("blog", "somewhere")


def test_expectation_text_never_rounds_the_threshold():
    assert str(AtLeast(1 - 1e-9)) == "≥ 0.999999999" and str(AtMost(1e-3)) == "≤ 0.001"
    assert str(Between(0.85, 1.2)) == "in [0.85, 1.2]" and str(Close(2.0, rtol=0.1)) == "≈ 2 (rtol 0.1)"
