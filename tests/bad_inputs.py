"""Generated bad inputs for `claimbench` and a harness that runs one and records what happened.

Every generated case is bad by construction (never by asking the validator), so the only right
outcome is: exit code 2, one line on stderr, no traceback, no hang, no file created or changed.
Used by tests/test_fuzz.py (a few hundred cases) and benchmarks/fuzz_bad_inputs.py (>= 1,000).
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = ["--params", "params.yaml"]
RUN = [*BASE, "run", "zz_demo", "--profile", "fast"]
GOOD_YAML = (FIXTURES / "params_demo.yaml").read_text() + "suite: {profile: fast, device: cpu}\n"
PAPERS = {p.name for p in (FIXTURES.parents[1] / "papers").iterdir()} | {"zz_demo"}


@dataclass(frozen=True)
class Case:
    """One invocation: argv, extra environment, and the content of case.yaml if the case needs one."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    params_file: bytes | None = None
    kind: str = ""


@dataclass
class Outcome:
    code: int | None
    stderr: str
    traceback: bool = False
    hang: bool = False
    changed: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        lines = self.stderr.splitlines()
        return (self.code == 2 and len(lines) == 1 and self.stderr.endswith("\n") and not self.traceback
                and not self.hang and not self.changed and lines[0].startswith("claimbench: error: "))


# ------------------------------------------------------------------ value strategies (YAML text)
def _deep(n: int) -> str:
    return "[" * n + "]" * n


_digits = st.integers(65, 6000).map(lambda n: "1" + "0" * (n - 1))  # longer than any number we accept
_huge_int = st.integers(2**63, 2**200).map(str)
_junk_text = st.text(max_size=40).map(lambda t: "zz" + t)  # YAML: a string or a mapping or invalid, never "a"/"b"
_structural = st.sampled_from([
    "[unclosed", "{a: 1, a: 2}", "&a [*a, *a]", "&a x", "*a", "<<: {a: 1}", "{? [1]: 2}", "!!python/object:os.system x",
    "!!binary AAAA", "2020-01-01", "~", "[]", "{}", "[1, [2]]", "'\\x00'", "\"\\0\"", ".nan", ".inf", "-.inf",
    "1e400", "-1e400", "0x" + "f" * 70, "0b" + "1" * 200, "1:2:3:" + "4" * 70,
])
_not_int = st.one_of(_structural, _junk_text, _digits, _huge_int, st.just("1.5"), st.just("true"),
                     st.integers(33, 4000).map(_deep), st.integers(-10**6, 0).map(str))
_not_float = st.one_of(_structural, _junk_text,
                       _digits.map(lambda d: d + ".0"), st.integers(33, 4000).map(_deep),
                       st.floats(max_value=-1e-9, allow_nan=False).map(repr), st.just("true"))
_not_mode = st.one_of(_junk_text, st.integers().map(str), _structural, st.just("A"), st.just("ab"))
_not_sizes = st.one_of(st.sampled_from(["[]", "[0]", "[-1]", "[x]", "[[1]]", "[1, 2.5]", "[true]", "3",
                                        f"[{2**63}]", "[1, 1, 1, 1, 1, 1]"]),
                       st.integers(33, 3000).map(_deep), _junk_text,
                       st.lists(st.integers(1, 9), min_size=6, max_size=40).map(str))  # > width 5: check()
_not_delay = st.one_of(_not_float, st.floats(10.001, 1e300).map(repr))
BAD_VALUES = {"width": _not_int, "lr": _not_float, "mode": _not_mode, "sizes": _not_sizes, "delay": _not_delay}

_not_count = st.one_of(  # for --threads and CLAIMBENCH_THREADS (1..1024) and --seeds (1..1000): none of those
    st.sampled_from(["0", "-1", "²", "١", "1.0", "1e3", "", " ", "0x10", "1_0", "+1", "99999999999999999999",
                     "1025"]),
    st.integers(1025, 10**30).map(str), st.integers(-10**9, 0).map(str), _junk_text)
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


def _set_case(key: str, value: str) -> Case:
    return Case((*RUN, "--set", f"{key}={value}"), kind=f"--set {key}")


@st.composite
def _bad_set(draw) -> Case:
    key = draw(st.sampled_from(sorted(BAD_VALUES)))
    return _set_case(key, draw(BAD_VALUES[key]))


@st.composite
def _bad_set_key(draw) -> Case:
    key = draw(st.one_of(_text.map(lambda t: "no_" + t.replace("=", "")), st.just(""), st.just(" "),
                         st.just("three_mechanisms.width")))
    item = f"{key}={draw(st.sampled_from(['3', 'x', '[1]']))}"
    if key.startswith("no_") and draw(st.booleans()):
        item = key  # no '=' at all
    return Case((*RUN, "--set", item), kind="--set key")


@st.composite
def _bad_option(draw) -> Case:
    opt = draw(st.sampled_from(["--threads", "--seeds", "--profile", "--backend", "--device"]))
    if opt in ("--threads", "--seeds"):
        value = draw(st.one_of(_not_count, st.just("1001"))) if opt == "--seeds" else draw(_not_count)
    else:
        value = draw(_text.filter(lambda t: t not in ("smoke", "fast", "full", "torch", "jax", "all", "cpu",
                                                      "cuda", "auto")))
    return Case((*RUN, f"{opt}={value}"), kind=opt)


@st.composite
def _bad_env(draw) -> Case:
    value = draw(_not_count.filter(lambda t: "\x00" not in t))
    return Case(tuple(RUN), env=(("CLAIMBENCH_THREADS", value),), kind="CLAIMBENCH_THREADS")


@st.composite
def _bad_paper(draw) -> Case:
    name = draw(st.one_of(_text.filter(lambda t: t not in PAPERS and not t.startswith("-")),
                          st.sampled_from(["../zz_demo", "zz_demo/", "/etc/passwd", ".", "", "__init__"])))
    return Case((*BASE, "run", name), kind="paper")


_SPECIAL_PATHS = ["dir", "fifo", "/dev/zero", "/dev/null", "missing.yaml", "", "afile/x", "a" * 5000, "dir/../fifo"]


@st.composite
def _bad_params_path(draw) -> Case:
    path = draw(st.sampled_from(_SPECIAL_PATHS))
    cmd = draw(st.sampled_from([["run", "zz_demo"], ["report"], ["summary"], ["check"]]))
    return Case(("--params", path, *cmd), kind="--params path")


def _file_contents() -> st.SearchStrategy[bytes]:
    good = GOOD_YAML
    return st.one_of(
        st.just(good.encode("utf-16")), st.just(good.encode("utf-32")),
        st.binary(min_size=1, max_size=200).map(lambda b: b"\xff" + b),  # never valid UTF-8
        st.binary(max_size=100).map(lambda b: good.encode() + b"\x00" + b),  # NUL: not YAML
        st.just((good + "zz_demo:\n  fast: {width: 5}\n").encode()),  # duplicate key
        st.just(good.replace("fast: {width: 5}", "fast: {width: 5, width: 6}").encode()),
        st.integers(2, 30).map(lambda n: ("a: &a [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1 if i > 1 else ''}]\n"
                                                                    for i in range(1, n)) + good).encode()),
        st.integers(33, 5000).map(lambda n: (good + "deep: " + _deep(n) + "\n").encode()),
        st.just((good + "#" * (1 << 20) + "\n").encode()),  # over the size cap
        st.sampled_from(["- a\n- b\n", "42\n", "", "zz_demo: [1]\n", "zz_demo:\n  fast: [1]\n",
                         "zz_demo:\n  smoke: {width: 1}\n"]).map(str.encode),
    )


@st.composite
def _bad_params_file(draw) -> Case:
    cmd = draw(st.sampled_from([["run", "zz_demo"], ["run", "zz_demo", "--profile", "fast"], ["report"],
                                ["summary"], ["check"]]))
    return Case(("--params", "case.yaml", *cmd), params_file=draw(_file_contents()), kind="--params content")


@st.composite
def _bad_value_in_file(draw) -> Case:
    key = draw(st.sampled_from(sorted(BAD_VALUES)))
    value = draw(BAD_VALUES[key].filter(lambda v: "\n" not in v))
    body = GOOD_YAML.replace("fast: {width: 5}", f"fast:\n    width: 5\n    {key}: {value}")
    if key == "width":
        body = body.replace("    width: 5\n", "")
    return Case(("--params", "case.yaml", "run", "zz_demo"), params_file=body.encode(), kind="value in file")


@st.composite
def _bad_suite(draw) -> Case:
    profile = draw(st.one_of(_text.filter(lambda t: t.strip() not in ("smoke", "fast", "full")).map(repr),
                             st.sampled_from(["[fast]", "{a: 1}", "~", "1"])))
    body = (FIXTURES / "params_demo.yaml").read_text() + f"suite: {{profile: {profile}}}\n"
    cmd = draw(st.sampled_from([["report"], ["summary"], ["check"]]))
    return Case(("--params", "case.yaml", *cmd), params_file=body.encode(), kind="suite.profile")


@st.composite
def _bad_out(draw) -> Case:
    out = draw(st.sampled_from(["", "afile", "afile/sub", "fifo", "/dev/null", "x\x00y", "b" * 300]))
    cmd = draw(st.sampled_from([["run", "zz_demo"], ["report"], ["summary"], ["check"]]))
    return Case(("--out", out, *BASE, *cmd), kind="--out")


def bad_cases() -> st.SearchStrategy[Case]:
    """Every kind of bad input, each bad by construction."""
    return st.one_of(_bad_set(), _bad_set_key(), _bad_option(), _bad_env(), _bad_paper(), _bad_params_path(),
                     _bad_params_file(), _bad_value_in_file(), _bad_suite(), _bad_out(),
                     st.lists(st.sampled_from(string.ascii_letters + "-_"), max_size=12).map(
                         lambda cs: Case(("".join(cs) + "!",), kind="command")))


# ------------------------------------------------------------------ the harness
def make_workdir(root: Path) -> Path:
    """A folder with a good params.yaml and the odd files the cases point at (a folder, a FIFO, a file)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "params.yaml").write_text(GOOD_YAML)
    (root / "dir").mkdir(exist_ok=True)
    (root / "afile").write_text("not a folder\n")
    if not (root / "fifo").exists():
        os.mkfifo(root / "fifo")
    return root


def snapshot(root: Path) -> dict:
    """(size, mtime) of everything under root, without opening anything (FIFOs stay unopened)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st_ = os.lstat(p)
            out[p] = (st_.st_size, st_.st_mtime_ns, st_.st_mode)
    return out


class Hang(BaseException):
    """Raised by the alarm: the case ran longer than its time limit."""


def _alarm(signum, frame):
    raise Hang()


def run_case(case: Case, root: Path, timeout: int = 20) -> Outcome:
    """Run one case in-process with cwd=root; record exit code, stderr, traceback, hang, changed files."""
    from claimbench.cli import main

    case_file = root / "case.yaml"
    if case.params_file is not None:
        case_file.write_bytes(case.params_file)
    before, err, out = snapshot(root), io.StringIO(), io.StringIO()
    old_env = {k: os.environ.get(k) for k, _ in case.env}
    os.environ.update(dict(case.env))
    old_cwd, old_handler = os.getcwd(), signal.signal(signal.SIGALRM, _alarm)
    os.chdir(root)
    signal.alarm(timeout)
    result = Outcome(None, "")
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            result.code = main(list(case.argv))
    except Hang:
        result.hang = True
    except BaseException as exc:  # noqa: BLE001 - anything escaping main() is a traceback
        result.traceback = True
        err.write(f"Traceback (escaped main): {type(exc).__name__}: {exc}\n")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old_handler)
        os.chdir(old_cwd)
        for k, v in old_env.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    result.stderr = err.getvalue()
    result.traceback = result.traceback or "Traceback" in result.stderr
    result.changed = sorted(set(snapshot(root).items()) ^ set(before.items()))
    case_file.unlink(missing_ok=True)
    sys.stdout.flush()
    return result
