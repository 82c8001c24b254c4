"""Params validation: every kind of bad input is one ParamsError naming the key and what is allowed."""
from dataclasses import FrozenInstanceError, dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- strict YAML, origins, cross-field checks
@pytest.mark.parametrize("text, needle", [
    ("x:\n  fast: {width: 1}\nx: 2\n", "line 3: duplicate key 'x' (first at line 1)"),
    ("x:\n  fast: {width: 1, width: 2}\n", "line 2: duplicate key 'width'"),
    ("a: &a [1]\nx: *a\n", "line 1: anchors (&a) are not allowed"),
    ("x: *a\n", "line 1: aliases (*name) are not allowed"),
    ("x:\n  <<: {fast: {width: 1}}\n", "line 2: merge keys (<<) are not allowed"),
    ("x: " + "[" * 40 + "]" * 40 + "\n", "line 1: nested deeper than 32 levels"),
    ("x: " + "9" * 5000 + "\n", "is too long (more than 64 characters)"),
    ("x: {? [1]: 2}\n", "a mapping key must be a plain value"),
    ("x: [unclosed\n", "not valid YAML at line 2"),
    ("- 1\n", "expected a mapping with one section per paper, got list"),
])
def test_the_loader_refuses_what_yaml_would_silently_accept(tmp_path, text, needle):
    f = tmp_path / "params.yaml"
    f.write_text(text)
    with pytest.raises(ParamsError) as err:
        load(P, f, "x", "fast")
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_params_files_must_be_small_regular_utf8(tmp_path):
    f = tmp_path / "p.yaml"
    for data, needle in [("x: 1\n".encode("utf-16"), "not UTF-8 text"),
                         (b"x: 1\n#" + b"#" * (1 << 20), "must be at most 1048576")]:
        f.write_bytes(data)
        with pytest.raises(ParamsError, match=needle):
            load(P, f, "x", "fast")
    for path in (tmp_path, "/dev/zero", ""):
        with pytest.raises(ParamsError, match="not a regular file|not a valid file name"):
            load(P, path, "x", "fast")


def test_messages_say_where_the_value_came_from_and_cut_long_values(tmp_path):
    f = tmp_path / "params.yaml"
    f.write_text("x:\n  fast:\n    width: 1\n    lr: -1\n")
    with pytest.raises(ParamsError, match=r"x.fast.lr: -1.0 is out of range; allowed \[0.0, 10.0\] "
                                          rf"\(from {f} line 4\)"):
        load(P, f, "x", "fast")
    with pytest.raises(ParamsError, match=r"x.fast.lr: 11.0 is out of range; allowed \[0.0, 10.0\] \(from --set\)"):
        load(P, f, "x", "fast", {"lr": 11})
    with pytest.raises(ParamsError) as err:
        load(P, f, "x", "fast", {"lr": 1, "act": "g" * 5000})
    assert len(str(err.value)) < 200 and "(5002 chars)" in str(err.value)


@pytest.mark.parametrize("values, needle", [
    ({"width": 10**400}, "out of range for an integer"),
    ({"width": 2**63}, "out of range for an integer"),
    ({"width": 1, "lr": 10**400}, "out of range for a float"),
    ({"width": 1, "lr": "1e400"}, "expected a finite number, got inf"),
])
def test_huge_numbers_are_out_of_range_not_overflow(values, needle):
    with pytest.raises(ParamsError, match=needle):
        build(P, values, "x.fast")


@dataclass(frozen=True)
class Q:
    lo: int = param(0, doc="lower")
    hi: int = param(1, doc="upper")

    def check(self):
        if self.lo >= self.hi:
            raise ParamsError(f"lo ({self.lo}) must be below hi ({self.hi})")


def test_cross_field_check_runs_when_params_are_built():
    assert build(Q, {"lo": 1, "hi": 2}, "q.fast").hi == 2
    with pytest.raises(ParamsError, match=r"^q.fast: lo \(2\) must be below hi \(1\)$"):
        build(Q, {"lo": 2}, "q.fast")


def test_each_paper_profile_passes_its_own_check():
    from claimbench import registry
    from claimbench.params import read_yaml

    root = Path(__file__).resolve().parents[1]
    data = read_yaml(root / "params.yaml")
    for slug in registry.discover_papers():
        for profile in ("smoke", "fast", "full"):
            load(registry.load_paper(slug).params_cls, root / "params.yaml", slug, profile)
    assert "suite" in data


_yaml_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=12)


@settings(max_examples=120, deadline=None, database=None, derandomize=True)
@given(values=st.dictionaries(st.sampled_from(["width", "lr", "act", "flag", "widths", "other"]), _yaml_values),
       raw=st.text(max_size=80))
def test_validator_raises_only_params_errors(values, raw):
    """Whatever the values (or --set text), the outcome is a Params or one ParamsError line."""
    for attempt in (lambda: build(P, values, "x.fast"), lambda: parse_set([f"width={raw}"])):
        try:
            attempt()
        except ParamsError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 1000
