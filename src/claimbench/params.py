"""Typed, validated parameters: params.yaml fills each paper's frozen `Params` dataclass.

params.yaml holds one section per paper with the profiles `smoke`, `fast` and `full` (and a
`suite` section on top). A paper's config.py declares its fields with `param(...)`: type from the
annotation, optional range or choices, and a one-line doc; an optional `check()` method validates
constraints between fields. Anything wrong — unreadable file, duplicate key, unknown paper, profile
or key, missing key, wrong type, out-of-range value, broken constraint — raises `ParamsError`
whose message is one line naming the key, what is allowed and where the value came from
(`--set`, or the file and line). Values are echoed through a length limit.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import math
import os
import re
import stat
import typing
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from claimbench import strict_yaml
from claimbench.claims import PROFILES

_MISSING = dataclasses.MISSING
_FLOAT_LITERAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,80}")
MAX_FILE_BYTES = 1 << 20  # a params file larger than 1 MiB is a mistake (ours is ~10 KB)
MAX_SET_CHARS = 10_000  # one --set value
INT_LIMIT = 2**63 - 1  # ints go to numpy (int64) and framework shapes


class ParamsError(ValueError):
    """A bad parameter: the message is one line naming the key and what was expected."""


def show(value: Any, limit: int = 60) -> str:
    """repr(value) cut to `limit` characters (one line whatever the value)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text)} chars)"


def show_name(name: Any) -> str:
    """A key or path as written when it is plain, else through show()."""
    return name if isinstance(name, str) and _PLAIN_NAME.fullmatch(name) else show(name)


def show_path(path: Any) -> str:
    """A file path for a message: as is when printable and short, else through show()."""
    text = str(path)
    return text if text.isprintable() and 0 < len(text) <= 200 else show(text, 200)


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


def _to_float(value: Any, key: str) -> float:
    try:
        out = float(value)
    except OverflowError:
        raise ParamsError(f"{key}: {show(value)} is out of range for a float") from None
    return _finite(out, key)


def _coerce_scalar(value: Any, tp: type, key: str) -> Any:
    """Return value as type tp, or raise ParamsError; int is accepted for float, nothing else converts."""
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return _to_float(value, key)
    if tp is float and isinstance(value, str) and _FLOAT_LITERAL.fullmatch(value.strip()):
        return _to_float(value, key)  # PyYAML (YAML 1.1) reads 1e-3 as a string
    if tp is float and isinstance(value, float):
        return _finite(value, key)
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > INT_LIMIT:
            raise ParamsError(f"{key}: {show(value)} is out of range for an integer (|x| <= 2**63 - 1)")
        return value
    if tp is str and isinstance(value, str):
        return value
    raise ParamsError(f"{key}: expected {tp.__name__}, got {type(value).__name__} {show(value)}")


def _check_bounds(value: Any, meta: Mapping, key: str) -> None:
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices")
    if choices is not None and value not in choices:
        raise ParamsError(f"{key}: {show(value)} is not allowed; choose one of {list(choices)}")
    if lo is not None and value < lo or hi is not None and value > hi:
        rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ParamsError(f"{key}: {show(value)} is out of range; allowed {rng}")


def _coerce(value: Any, tp: Any, meta: Mapping, key: str) -> Any:
    if typing.get_origin(tp) is tuple:
        inner = typing.get_args(tp)[0]
        if not isinstance(value, (list, tuple)) or not value:
            raise ParamsError(f"{key}: expected a non-empty {_type_name(tp)}, got {show(value)}")
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


def _origin(origins: Mapping, key: Any) -> str:
    where = origins.get(key) if isinstance(key, typing.Hashable) else None
    return f" (from {where})" if where else ""


def build(cls: type, values: Mapping[str, Any], where: str, origins: Mapping[str, str] = ()) -> Any:
    """Validate `values` into the frozen dataclass `cls`, then its check(); `where` prefixes key names.

    `origins` maps a key to where its value came from ("--set", "params.yaml line 12") for messages.
    """
    if not isinstance(values, Mapping):
        raise ParamsError(f"{where}: expected a mapping of parameters, got {type(values).__name__}")
    origins = dict(origins)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in values:
        if key not in fields:
            raise ParamsError(f"{where}.{show_name(key)}: unknown key{_origin(origins, key)}; "
                              f"allowed keys: {', '.join(sorted(fields))}")
    kwargs = {}
    for name, f in fields.items():
        if name in values:
            try:
                kwargs[name] = _coerce(values[name], hints[name], f.metadata, f"{where}.{name}")
            except ParamsError as exc:
                raise ParamsError(f"{exc}{_origin(origins, name)}") from None
        elif f.default is _MISSING and f.default_factory is _MISSING:
            raise ParamsError(f"{where}.{name}: missing key ({_type_name(hints[name])})")
    return checked(cls(**kwargs), where)


def checked(p: Any, where: str) -> Any:
    """Run the Params' own check() of constraints between fields (if it has one) and return p."""
    check = getattr(p, "check", None)
    if callable(check):
        try:
            check()
        except ParamsError as exc:
            raise ParamsError(f"{where}: {exc}") from None
    return p


def parse_set(assignments: Sequence[str]) -> dict[str, Any]:
    """Parse `--set key=value` strings; values are read as strict YAML (so 512 is int, [1, 2] a list)."""
    out = {}
    for item in assignments:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamsError(f"--set {show(item)}: expected key=value")
        if key in out:
            raise ParamsError(f"--set {show_name(key)}: given twice")
        if len(raw) > MAX_SET_CHARS:
            raise ParamsError(f"--set {show_name(key)}: value is {len(raw)} characters long "
                              f"(at most {MAX_SET_CHARS})")
        try:
            out[key] = strict_yaml.loads(raw)
        except strict_yaml.StrictYAMLError as exc:
            raise ParamsError(f"--set {show_name(key)}: {exc}") from None
        except yaml.YAMLError:
            raise ParamsError(f"--set {show_name(key)}: value {show(raw)} is not valid YAML") from None
    return out


def read_text(path: Path, what: str = "YAML file") -> str:
    """The text of a regular UTF-8 file of at most MAX_FILE_BYTES, or ParamsError naming the file."""
    name = show_path(path)
    if "\x00" in str(path) or not str(path):
        raise ParamsError(f"{name}: not a valid file name (expected a {what})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ParamsError(f"{name}: file not found (expected a {what}, e.g. params.yaml at the project "
                          "root)") from None
    except OSError as exc:
        raise ParamsError(f"{name}: cannot open ({exc.strerror}); expected a {what}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ParamsError(f"{name}: not a regular file (a folder, device or pipe); expected a {what}")
        if st.st_size > MAX_FILE_BYTES:
            raise ParamsError(f"{name}: {st.st_size} bytes; a {what} must be at most {MAX_FILE_BYTES}")
        raw = os.read(fd, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParamsError(f"{name}: cannot read ({exc.strerror}); expected a {what}") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise ParamsError(f"{name}: larger than {MAX_FILE_BYTES} bytes; expected a {what}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{name}: not UTF-8 text (bad byte at offset {exc.start}); expected a {what}") from None


@functools.lru_cache(maxsize=4)
def _parsed(text: str):
    """strict_yaml.loads, remembered by text: a sweep validates every point against the same file."""
    return strict_yaml.loads(text)


def read_yaml(path: Path) -> dict:
    """Read params.yaml (strictly: see claimbench.strict_yaml) as a mapping, or raise ParamsError."""
    name = show_path(path)
    text = read_text(path, "params.yaml-style YAML file")
    try:
        data = copy.deepcopy(_parsed(text))  # callers may edit what they get
    except strict_yaml.StrictYAMLError as exc:
        raise ParamsError(f"{name} line {exc.line}: {exc}") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f" at line {line + 1}" if line is not None else ""
        problem = " ".join(str(getattr(exc, "problem", None) or "").split())[:120]
        raise ParamsError(f"{name}: not valid YAML{at}{': ' + problem if problem else ''}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{name}: expected a mapping with one section per paper, got {type(data).__name__}")
    return data


def _line_of(mapping: Any, key: str, path: Path) -> str:
    line = getattr(mapping, "lines", {}).get(key)
    return f"{show_path(path)} line {line}" if line else show_path(path)


def profile_values(data: Mapping, paper: str, profile: str, path: Path) -> Mapping:
    """The raw mapping of one paper's profile in params.yaml, with errors naming what is missing."""
    name = show_path(path)
    if profile not in PROFILES:
        raise ParamsError(f"profile {show(profile)} is unknown; choose one of {list(PROFILES)}")
    if paper not in data:
        raise ParamsError(f"{name}: no section {paper!r} for this paper")
    section = data[paper]
    if not isinstance(section, Mapping) or profile not in section:
        raise ParamsError(f"{_line_of(data, paper, path)}: {paper}.{profile}: missing profile "
                          f"(need {', '.join(PROFILES)})")
    values = section[profile] if section[profile] is not None else {}
    if not isinstance(values, Mapping):
        raise ParamsError(f"{_line_of(section, profile, path)}: {paper}.{profile}: expected a mapping of "
                          f"key: value, got {type(values).__name__}")
    return values


def suite_profile(path: Path) -> str:
    """suite.profile of params.yaml (the profile `dvc repro` runs), validated."""
    data = read_yaml(path)
    suite = data.get("suite")
    if not isinstance(suite, Mapping) or "profile" not in suite:
        raise ParamsError(f"{show_path(path)}: suite.profile is missing (the profile to show); add "
                          "`suite: {profile: fast}` or pass --profile")
    profile = suite["profile"]
    if profile not in PROFILES:
        raise ParamsError(f"{_line_of(suite, 'profile', path)}: suite.profile {show(profile)} is not allowed; "
                          f"choose one of {list(PROFILES)}")
    return profile


def load(cls: type, path: Path, paper: str, profile: str, overrides: Mapping[str, Any] = (),
         origin: str = "--set") -> Any:
    """Load and validate one paper's profile from params.yaml, applying overrides (from `origin`) first."""
    data = read_yaml(path)
    section = profile_values(data, paper, profile, path)
    origins = {k: f"{show_path(path)} line {n}" for k, n in getattr(section, "lines", {}).items()}
    overrides = dict(overrides)
    origins.update({k: origin for k in overrides})
    return build(cls, {**section, **overrides}, f"{paper}.{profile}", origins)


def describe(cls: type) -> list[tuple[str, str, str]]:
    """(name, type, doc) for each field of a Params class, for `claimbench list --params`."""
    hints = typing.get_type_hints(cls)
    return [(f.name, _type_name(hints[f.name]), f.metadata.get("doc", "")) for f in dataclasses.fields(cls)]
