"""Generated bad inputs: each one is one line on stderr, exit 2, no traceback, no hang, no file written.

A few hundred cases here (in-process, fast); benchmarks/fuzz_bad_inputs.py runs >= 1,000 and counts.
"""
import pytest
from bad_inputs import FIXTURES, bad_cases, make_workdir, run_case
from hypothesis import HealthCheck, given, settings


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    import papers

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
        mp.setenv("CLAIMBENCH_QUIET", "1")
        mp.delenv("CLAIMBENCH_THREADS", raising=False)
        yield make_workdir(tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=bad_cases())
def test_generated_bad_input_is_one_line_exit_2_nothing_written(workdir, case):
    outcome = run_case(case, workdir)
    assert outcome.ok, (case, outcome)
