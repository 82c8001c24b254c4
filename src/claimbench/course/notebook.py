"""The otter-assign master notebook of a paper's assignment, generated from assignment.py and the paper's code.

The solution cells are the source of the paper's own functions (inspect.getsource), with the body
between otter's `# BEGIN SOLUTION NO PROMPT` / `# END SOLUTION` markers and a `raise NotImplementedError`
prompt, so `otter assign` strips the body and keeps the signature and docstring for students. Every
graded claim is one otter question holding one exception-based test that calls claimbench.course.harness.
"""
from __future__ import annotations

import ast
import inspect
import textwrap

import nbformat
import yaml

from claimbench import registry
from claimbench.course.spec import Assignment, Exercise, resolve

NOTEBOOK_FORMAT = 4


def split_function(fn) -> tuple[str, str, str]:
    """(signature lines, docstring lines, body lines) of a function's dedented source."""
    src = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(src).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(f"{fn!r} is not a plain function")
    lines = src.splitlines()
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
        and isinstance(first.value.value, str)
    start = first.lineno - 1
    doc_end = first.end_lineno if has_doc else start
    body = node.body[1] if has_doc else first
    return "\n".join(lines[:start]), "\n".join(lines[start:doc_end]), "\n".join(lines[body.lineno - 1:])


def helper_sources(ex: Exercise) -> list[str]:
    """Dedented source of each private helper of the solution."""
    return [textwrap.dedent(inspect.getsource(resolve(h))).rstrip() for h in ex.helpers]


def solution_cell(ex: Exercise) -> str:
    """The master notebook's code cell for one exercise: helpers and body marked as solution."""
    header, doc, body = split_function(resolve(ex.reference))
    indent = body[: len(body) - len(body.lstrip())]
    parts = [header, doc, f"{indent}# BEGIN SOLUTION NO PROMPT", body, f"{indent}# END SOLUTION",
             f'{indent}""" # BEGIN PROMPT',
             f'{indent}raise NotImplementedError("{ex.name}() is not implemented yet: write it here")',
             f'{indent}""" # END PROMPT']
    if ex.helpers:  # after the function: names resolve at call time
        parts += ["", "", "# BEGIN SOLUTION NO PROMPT", "\n\n\n".join(helper_sources(ex)), "# END SOLUTION"]
    return "\n".join(parts)


def _raw(text: str):
    return nbformat.v4.new_raw_cell(text)


def _test_cell(call: str, points: float, hidden: bool) -> str:
    config = yaml.safe_dump({"points": points, "hidden": hidden}, sort_keys=False).strip()
    return (f'""" # BEGIN TEST CONFIG\n{config}\n""" # END TEST CONFIG\n'
            f"def test(env):\n    from claimbench.course import harness\n    {call}")


def _question(name: str, points: float, cells: list, tests: list) -> list:
    config = yaml.safe_dump({"name": name, "points": points}, sort_keys=False).strip()
    out = [_raw(f"# BEGIN QUESTION\n{config}"), *cells, _raw("# BEGIN TESTS")]
    out += [nbformat.v4.new_code_cell(t) for t in tests]
    return out + [_raw("# END TESTS"), _raw("# END QUESTION")]


def _exercise_cells(a: Assignment, ex: Exercise) -> list:
    cells = [nbformat.v4.new_markdown_cell(ex.prompt.strip()), _raw("# BEGIN SOLUTION"),
             nbformat.v4.new_code_cell(solution_cell(ex)), _raw("# END SOLUTION")]
    call = f'harness.check_exercise(env, "{a.paper}", "{ex.name}")'
    return _question(ex.name, 0, cells, [_test_cell(call, 0, hidden=False)])


def _claim_cells(a: Assignment, claims_by_name: dict) -> list:
    out = []
    for g in a.claims:
        claim = claims_by_name[g.name]
        text = [] if not g.public else [nbformat.v4.new_markdown_cell(
            f"**Claim `{g.name}`** ({g.points:g} points; runs your {', '.join(f'`{u}`' for u in g.uses)}): "
            f"{claim.statement}\n\nSource: {claim.source}. Threshold: {claim.metric} {claim.expect}.")]
        call = f'harness.check(env, "{a.paper}", "{g.name}")'
        out += _question(g.name, g.points, text, [_test_cell(call, g.points, hidden=not g.public)])
    return out


def _intro(a: Assignment, info, n_hidden: int) -> str:
    total = sum(g.points for g in a.claims)
    public = sum(g.points for g in a.claims if g.public)
    return (f"# {a.title}\n\n{info.authors}, *{info.title}*, arXiv [{info.arxiv}]({info.url}).\n"
            f"{a.intro.strip()}\n\n## How this assignment is graded\n\n"
            f"Your functions are graded by the paper's claims, run on your code by claimbench at the size set in "
            f"`claimbench_grading.json` ({total:g} points): the public claims below ({public:g} points), which "
            f"you can run here with `grader.check(...)`, and {n_hidden} hidden claims that only the autograder runs. "
            "A claim's test runs your function for the exercises it names and the paper's own for the others. "
            "Each exercise also has a public sanity check (0 points). Running the checks needs the `claimbench` "
            "and `otter-grader` packages in your environment; write your functions in this notebook (a function "
            f"imported from claimbench is refused).\n\n{a.not_graded.strip()}")


def make_master(a: Assignment, config: dict) -> nbformat.NotebookNode:
    """The otter-assign master notebook: assignment config, intro, exercises, claim questions."""
    paper = registry.load_paper(a.paper)
    claims_by_name = {c.name: c for c in paper.claims}
    n_hidden = sum(not g.public for g in a.claims)
    cells = [_raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)),
             nbformat.v4.new_markdown_cell(_intro(a, paper.info, n_hidden)),
             nbformat.v4.new_code_cell(a.setup)]
    for ex in a.exercises:
        cells += _exercise_cells(a, ex)
    cells.append(nbformat.v4.new_markdown_cell("## The paper's claims on your code"))
    cells += _claim_cells(a, claims_by_name)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb
