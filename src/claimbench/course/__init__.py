"""Course mode: hand a paper's reproduction out as homework, graded by its claims (otter-grader)."""
