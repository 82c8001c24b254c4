"""Params validation: every kind of bad input is one ParamsError naming the key and what is allowed."""
from dataclasses import FrozenInstanceError, dataclass

import pytest

from claimbench.params import ParamsError, build, load, param, parse_set


@dataclass(frozen=True)
class P:
    width: int = param(lo=1, doc="hidden width")
    lr: float = param(0.1, lo=0.0, hi=10.0, doc="step size")
    act: str = param("tanh", choices=("tanh", "relu"), doc="activation")
    flag: bool = param(False, doc="a switch")
    widths: tuple[int, ...] = param((4, 8), lo=1, doc="widths")


def test_good_values_fill_the_frozen_dataclass():
    p = build(P, {"width": 3, "lr": 1, "widths": [2, 3]}, "x.fast")
    assert p == P(width=3, lr=1.0, widths=(2, 3)) and isinstance(p.lr, float)
    with pytest.raises(FrozenInstanceError):
        p.width = 4


@pytest.mark.parametrize("values, needle", [
    ({"width": 3, "widht": 4}, "x.fast.widht: unknown key; allowed keys: act, flag, lr, width, widths"),
    ({}, "x.fast.width: missing key"),
    ({"width": "3"}, "x.fast.width: expected int, got str"),
    ({"width": 3.0}, "x.fast.width: expected int, got float"),
    ({"width": True}, "x.fast.width: expected int, got bool"),
    ({"width": 0}, "x.fast.width: 0 is out of range; allowed [1, inf]"),
    ({"width": 3, "lr": 11}, "x.fast.lr: 11.0 is out of range; allowed [0.0, 10.0]"),
    ({"width": 3, "act": "gelu"}, "x.fast.act: 'gelu' is not allowed; choose one of ['tanh', 'relu']"),
    ({"width": 3, "flag": 1}, "x.fast.flag: expected bool, got int"),
    ({"width": 3, "widths": 4}, "x.fast.widths: expected a non-empty list of int"),
    ({"width": 3, "widths": [4, 0]}, "x.fast.widths[1]: 0 is out of range"),
    ({"width": 3, "lr": float("nan")}, "x.fast.lr: expected a finite number, got nan"),
])
def test_each_bad_value_names_the_key(values, needle):
    with pytest.raises(ParamsError) as err:
        build(P, values, "x.fast")
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_profiles_and_papers_from_the_file(tmp_path):
    f = tmp_path / "params.yaml"
    f.write_text("x:\n  smoke: {width: 1}\n  fast: {width: 2}\n  full: {width: 3}\ny: 3\n")
    assert load(P, f, "x", "fast").width == 2
    assert load(P, f, "x", "fast", {"width": 7}).width == 7
    f.write_text(f.read_text() + "w:\n  smoke: [1, 2]\n")
    for paper, profile, needle in [("z", "fast", "no section 'z'"), ("x", "medium", "profile 'medium' is unknown"),
                                   ("y", "fast", "y.fast: missing profile"),
                                   ("w", "smoke", "w.smoke: expected a mapping of key: value, got list")]:
        with pytest.raises(ParamsError, match=needle):
            load(P, f, paper, profile)
    with pytest.raises(ParamsError, match="out of range"):
        load(P, f, "x", "fast", {"width": -1})


def test_unreadable_files(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        load(P, tmp_path / "nope.yaml", "x", "fast")
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: [unclosed\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load(P, bad, "x", "fast")


def test_set_values_are_parsed_as_yaml():
    assert parse_set(["width=512", "lr=0.5", "widths=[1, 2]", "act=relu"]) == {
        "width": 512, "lr": 0.5, "widths": [1, 2], "act": "relu"}


def test_exponent_floats_are_floats_even_though_yaml_11_reads_them_as_strings():
    assert build(P, {"width": 1, **parse_set(["lr=1e-3"])}, "x.fast").lr == 1e-3
    with pytest.raises(ParamsError, match="expected float, got str"):
        build(P, {"width": 1, "lr": "fast"}, "x.fast")
    for bad in ["width", "=3"]:
        with pytest.raises(ParamsError, match="expected key=value"):
            parse_set([bad])
