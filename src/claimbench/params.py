"""Typed, validated parameters: params.yaml fills each paper's frozen `Params` dataclass.

params.yaml holds one section per paper with the profiles `smoke`, `fast` and `full` (and a
`suite` section on top). A paper's config.py declares its fields with `param(...)`: type from the
annotation, optional range or choices, and a one-line doc. Anything wrong — unknown paper, unknown
profile, unknown key, missing key, wrong type, out-of-range value — raises `ParamsError` whose
message is one line naming the key and what is allowed.
"""
from __future__ import annotations

import dataclasses
import math
import re
import typing
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from claimbench.claims import PROFILES

_MISSING = dataclasses.MISSING
_FLOAT_LITERAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


class ParamsError(ValueError):
    """A bad parameter: the message is one line naming the key and what was expected."""


def param(default: Any = _MISSING, *, lo: float | None = None, hi: float | None = None,
          choices: Sequence[Any] | None = None, doc: str = "") -> Any:
    """Declare a Params field with an optional inclusive range [lo, hi] or a set of choices."""
    meta = {"lo": lo, "hi": hi, "choices": tuple(choices) if choices else None, "doc": doc}
    return dataclasses.field(default=default, metadata=meta)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    return getattr(tp, "__name__", str(tp))


def _coerce_scalar(value: Any, tp: type, key: str) -> Any:
    """Return value as type tp, or raise ParamsError; int is accepted for float, nothing else converts."""
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, str) and _FLOAT_LITERAL.fullmatch(value.strip()):
        return float(value)  # PyYAML (YAML 1.1) reads 1e-3 as a string
    if tp is float and isinstance(value, float):
        return _finite(value, key)
    if tp is bool and isinstance(value, bool):
        return value
    if tp in (int, float, str) and isinstance(value, tp) and not isinstance(value, bool):
        return value
    raise ParamsError(f"{key}: expected {tp.__name__}, got {type(value).__name__} {value!r}")


def _check_bounds(value: Any, meta: Mapping, key: str) -> None:
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if choices is not None and value not in choices:
        raise ParamsError(f"{key}: {value!r} is not allowed; choose one of {list(choices)}")
    if lo is not None and value < lo or hi is not None and value > hi:
        rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ParamsError(f"{key}: {value!r} is out of range; allowed {rng}")


def _coerce(value: Any, tp: Any, meta: Mapping, key: str) -> Any:
    if typing.get_origin(tp) is tuple:
        inner = typing.get_args(tp)[0]
        if not isinstance(value, (list, tuple)) or not value:
            raise ParamsError(f"{key}: expected a non-empty {_type_name(tp)}, got {value!r}")
        out = tuple(_coerce_scalar(v, inner, f"{key}[{i}]") for i, v in enumerate(value))
        for i, v in enumerate(out):
            _check_bounds(v, meta, f"{key}[{i}]")
        return out
    out = _coerce_scalar(value, tp, key)
    _check_bounds(out, meta, key)
    return out


def _finite(value: Any, key: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamsError(f"{key}: expected a finite number, got {value!r}")
    return value


def build(cls: type, values: Mapping[str, Any], where: str) -> Any:
    """Validate `values` into the frozen dataclass `cls`; `where` prefixes key names in errors."""
    if not isinstance(values, Mapping):
        raise ParamsError(f"{where}: expected a mapping of parameters, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in values:
        if key not in fields:
            raise ParamsError(f"{where}.{key}: unknown key; allowed keys: {', '.join(sorted(fields))}")
    kwargs = {}
    for name, f in fields.items():
        if name in values:
            kwargs[name] = _coerce(values[name], hints[name], f.metadata, f"{where}.{name}")
        elif f.default is _MISSING and f.default_factory is _MISSING:
            raise ParamsError(f"{where}.{name}: missing key ({_type_name(hints[name])})")
    return cls(**kwargs)


def parse_set(assignments: Sequence[str]) -> dict[str, Any]:
    """Parse `--set key=value` strings; values are read as YAML (so 512 is int, [1, 2] a list)."""
    out = {}
    for item in assignments:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ParamsError(f"--set {item!r}: expected key=value")
        try:
            out[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise ParamsError(f"--set {key}: value {raw!r} is not valid YAML") from None
    return out


def read_yaml(path: Path) -> dict:
    """Read params.yaml as a mapping, or raise ParamsError naming the file."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path}: file not found (expected params.yaml at the project root)") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f" at line {line + 1}" if line is not None else ""
        raise ParamsError(f"{path}: not valid YAML{at}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping with one section per paper")
    return data


def profile_values(data: Mapping, paper: str, profile: str, path: Path) -> Mapping:
    """The raw mapping of one paper's profile in params.yaml, with errors naming what is missing."""
    if profile not in PROFILES:
        raise ParamsError(f"profile {profile!r} is unknown; choose one of {list(PROFILES)}")
    if paper not in data:
        raise ParamsError(f"{path}: no section {paper!r} for this paper")
    section = data[paper]
    if not isinstance(section, Mapping) or profile not in section:
        raise ParamsError(f"{path}: {paper}.{profile}: missing profile (need {', '.join(PROFILES)})")
    values = section[profile] or {}
    if not isinstance(values, Mapping):
        raise ParamsError(f"{path}: {paper}.{profile}: expected a mapping of key: value, got {type(values).__name__}")
    return values


def load(cls: type, path: Path, paper: str, profile: str, overrides: Mapping[str, Any] = ()) -> Any:
    """Load and validate one paper's profile from params.yaml, applying `--set` overrides first."""
    data = read_yaml(path)
    values = dict(profile_values(data, paper, profile, path))
    values.update(dict(overrides))
    return build(cls, values, f"{paper}.{profile}")


def describe(cls: type) -> list[tuple[str, str, str]]:
    """(name, type, doc) for each field of a Params class, for `claimbench list --params`."""
    hints = typing.get_type_hints(cls)
    return [(f.name, _type_name(hints[f.name]), f.metadata.get("doc", "")) for f in dataclasses.fields(cls)]
