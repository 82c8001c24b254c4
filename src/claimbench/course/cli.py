"""The `claimbench assignment` subcommands (build, grade); otter is imported only when one runs.

    claimbench assignment build PAPER [--out dist/assignments/PAPER] [--no-run-tests] [--no-wheel]
    claimbench assignment grade PAPER SUBMISSION... [--autograder ZIP] [--out grades.csv]
"""
from __future__ import annotations

from pathlib import Path


def add_parser(sub, parser_class) -> None:
    """Register `assignment build|grade` on the top-level subparsers."""
    p = sub.add_parser("assignment", help="course assignments graded by a paper's claims (otter-grader)")
    ops = p.add_subparsers(dest="assignment_command", required=True, parser_class=parser_class)
    b = ops.add_parser("build", help="student notebook + otter autograder (+ Gradescope zip) for a paper")
    b.add_argument("paper", metavar="PAPER")
    b.add_argument("--out", dest="assignment_out", default=None, help="output folder (default dist/assignments/PAPER)")
    b.add_argument("--no-run-tests", dest="run_tests", action="store_false",
                   help="skip otter's check that the reference solution gets full marks")
    b.add_argument("--no-wheel", dest="wheel", action="store_false",
                   help="do not put a claimbench wheel in the Gradescope zip")
    g = ops.add_parser("grade", help="grade submissions locally without Docker (otter run)")
    g.add_argument("paper", metavar="PAPER")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="student notebooks (.ipynb) or export zips")
    g.add_argument("--autograder", default=None, help="autograder zip (default: the one under dist/assignments/PAPER)")
    g.add_argument("--out", dest="assignment_out", default="grades.csv",
                   help="scores CSV; *_feedback.csv and .json are written beside it")


def _need_otter() -> None:
    try:
        import otter  # noqa: F401
    except ImportError as exc:
        from claimbench.course.build import CourseError

        raise CourseError("claimbench assignment needs otter-grader: pip install -e '.[course]'") from exc


def main(args) -> int:
    """Run `assignment build` or `assignment grade`; bad input raises CourseError (exit 2)."""
    _need_otter()
    if args.assignment_command == "build":
        from claimbench.course.build import build

        out = Path(args.assignment_out or f"dist/assignments/{args.paper}")
        paths = build(args.paper, out, params_path=Path(args.params), run_tests=args.run_tests, wheel=args.wheel)
        print(f"student folder (hand this out): {paths['student']}")
        print(f"autograder folder (solutions, hidden tests): {paths['autograder']}")
        print(f"Gradescope autograder zip: {paths['zip']}")
        return 0
    from claimbench.course.grade import grade

    graded, paths = grade(args.paper, [Path(s) for s in args.submissions],
                          autograder=Path(args.autograder) if args.autograder else None, out=Path(args.assignment_out))
    for g in graded:
        print(f"{g['student']}: {g['score']:g} / {g['possible']:g}" + (f"  ({g['error']})" if g["error"] else ""))
    print(f"grades: {paths['grades']}  feedback: {paths['feedback']}  json: {paths['json']}")
    return 0
