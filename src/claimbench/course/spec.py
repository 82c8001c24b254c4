"""What a paper declares in papers/<slug>/assignment.py to be handed out as a course assignment.

An `Assignment` names the functions students implement (`Exercise`: the paper's own function is
the solution, referenced as "module:name"), the claims that grade them (`GradedClaim`: points, and
whether the test is public), the profile and overrides of the grading size, and how to build the
paper's experiments (`experiments()` returns {name: fn(params, seed, device)}, like a backend's
EXPERIMENTS). Pure data: importing this imports neither otter nor a framework.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


def resolve(ref: str) -> Any:
    """The object named by "package.module:attribute"."""
    module, _, attr = ref.partition(":")
    if not module or not attr:
        raise ValueError(f"reference {ref!r}: expected 'package.module:attribute'")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Exercise:
    """One function students write; the solution is the paper's implementation at `reference`."""

    name: str                    # the function's name in the notebook (and its otter question)
    reference: str               # "module:function" of the paper's implementation (the solution)
    prompt: str                  # markdown above the function: what it computes, with the equations
    helpers: tuple[str, ...] = ()  # "module:function" private helpers of the solution (hidden too)
    check: str = ""              # "module:function" public check called with the student's function

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"Exercise.name {self.name!r} must be a Python identifier")


@dataclass(frozen=True)
class GradedClaim:
    """A claim of the paper used as an autograder test on the students' functions."""

    name: str                    # the claim id without "<paper>."
    points: float                # what the test is worth
    uses: tuple[str, ...]        # the exercises whose code the claim's experiment runs
    public: bool = False         # public tests ship with the student notebook; hidden ones never do


@dataclass(frozen=True)
class Assignment:
    """A paper's course assignment: exercises, graded claims, grading size, experiments."""

    paper: str
    title: str
    intro: str                                    # markdown: the model and its equations
    setup: str                                    # first code cell (imports the solution may use)
    exercises: tuple[Exercise, ...]
    claims: tuple[GradedClaim, ...]
    experiments: Callable[[], Mapping[str, Callable]]
    profile: str = "smoke"                        # params.yaml profile of the grading size
    overrides: Mapping[str, Any] = field(default_factory=dict)  # on top of it; frozen at build time
    not_graded: str = ""                          # markdown: claims left out of the grade, and why

    def __post_init__(self):
        names = [e.name for e in self.exercises]
        for c in self.claims:
            unknown = set(c.uses) - set(names)
            if unknown or not c.uses:
                raise ValueError(f"{self.paper}.{c.name}: uses {c.uses!r}; exercises are {names}")
            if c.points < 0:
                raise ValueError(f"{self.paper}.{c.name}: points must be >= 0, got {c.points}")
        if len({c.name for c in self.claims}) != len(self.claims):
            raise ValueError(f"{self.paper}: a claim is graded twice")

    def exercise(self, name: str) -> Exercise:
        """The exercise called `name`."""
        for e in self.exercises:
            if e.name == name:
                return e
        raise KeyError(f"{self.paper} has no exercise {name!r}")

    def graded(self, claim_name: str) -> GradedClaim:
        """The graded-claim entry of `claim_name`."""
        for c in self.claims:
            if c.name == claim_name:
                return c
        raise KeyError(f"{self.paper} does not grade claim {claim_name!r}")
