"""Where a sweep's points run: a Dask client on a local cluster, a running scheduler, or a SLURM/PBS/SGE job queue.

    local             LocalCluster: one single-threaded worker process per core (or --workers N)
    tcp://host:8786   a scheduler that is already running (workers must see the same files and papers)
    slurm | pbs | sge dask-jobqueue: jobs described by the `jobqueue.<kind>` section of the Dask config
                      (~/.config/dask/jobqueue.yaml, $DASK_CONFIG, or --cluster-config FILE); --workers N
                      workers, one per core of each job

Worker processes get one BLAS/OpenMP thread per point before anything numerical is imported (Nanny's
`pre-spawn-environ` locally, the job script's prologue on a queue). A worker that dies while running a
point (killed, out of memory) gets the point once more; the second death makes the point ERROR
(`distributed.scheduler.allowed-failures: 1`; a running scheduler keeps its own setting).
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from claimbench.params import ParamsError, show, show_path

JOBQUEUES = ("slurm", "pbs", "sge")
MAX_WORKERS = 4096


def worker_environment(threads: int) -> dict[str, str]:
    """Environment every worker process starts with: `threads` BLAS/OpenMP threads, quiet progress bars."""
    env = {var: str(threads) for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    env["CLAIMBENCH_QUIET"] = "1"
    env["MPLBACKEND"] = "Agg"
    if os.environ.get("CLAIMBENCH_DEBUG", "") in ("", "0"):  # the sweep reports failed points itself
        env["DASK_LOGGING__DISTRIBUTED"] = "critical"
    return env


def _scheduler_settings(threads: int) -> dict:
    """Dask settings for the scheduler and nannies we start (retry a dead worker's point once)."""
    settings = {"distributed.scheduler.allowed-failures": 1,
                "distributed.scheduler.worker-saturation": 1.0,  # a worker holds only the point it runs
                "distributed.worker.preload": ["claimbench.sweep.worker_setup"],  # Ctrl-C: the sweep stops them
                # the statistical profiler walks the running point's stack every 10 ms: with jax's deep
                # stacks it kept a second core busy per worker, so two workers on 2 cores ran at ~half speed
                "distributed.worker.profile.enabled": False}
    for var, value in worker_environment(threads).items():
        settings[f"distributed.nanny.pre-spawn-environ.{var}"] = value
    return settings


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_scheduler(scheduler: str, workers: int | None) -> None:
    """Refuse a bad --scheduler / --workers before anything is planned or started."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ParamsError(f"--workers {show(workers)}: expected an integer in [1, {MAX_WORKERS}]")
    if scheduler == "local" or scheduler in JOBQUEUES:
        return
    if "://" not in scheduler and ":" not in scheduler:
        raise ParamsError(f"--scheduler {show(scheduler)}: expected local, {', '.join(JOBQUEUES)} or a "
                          "scheduler address such as tcp://host:8786")


@contextmanager
def open_client(scheduler: str = "local", workers: int | None = None, threads: int = 1,
                cluster_config: Path | None = None) -> Iterator:
    """Yield a dask.distributed Client for `scheduler`; the cluster we started is closed on exit."""
    import dask
    from distributed import Client, LocalCluster

    check_scheduler(scheduler, workers)
    if os.environ.get("CLAIMBENCH_DEBUG", "") in ("", "0"):
        logging.getLogger("distributed").setLevel(logging.ERROR)  # nannies and scheduler in this process
    with dask.config.set(_scheduler_settings(threads)):
        if scheduler == "local":
            n = workers or default_workers()
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
                    Client(cl) as client:
                _wait_for(client, n)
                yield client
        elif scheduler in JOBQUEUES:
            with make_jobqueue_cluster(scheduler, threads, cluster_config) as cl, Client(cl) as client:
                cl.scale(n=workers or 1)
                yield client
        else:
            with Client(scheduler, timeout="30s") as client:
                yield client


def _wait_for(client, n: int, timeout: float = 300.0) -> None:
    """Let all n local workers register before points are submitted, so they are spread over all of them
    (points submitted to the first worker up are only partly stolen back); go on with those up after timeout."""
    try:
        client.wait_for_workers(n, timeout=timeout)
    except TimeoutError:
        pass


def _load_config(path: Path | None) -> None:
    """Merge a Dask config file (its `jobqueue:` section) into this process's Dask config.

    dask-jobqueue reads the config again whenever it writes a job script, so the merge must last.
    """
    if path is None:
        return
    import dask
    import yaml

    from claimbench.params import read_text

    try:
        data = yaml.safe_load(read_text(path, "Dask config YAML file"))
    except yaml.YAMLError:
        raise ParamsError(f"--cluster-config {show_path(path)}: not valid YAML") from None
    if not isinstance(data, dict):
        raise ParamsError(f"--cluster-config {show_path(path)}: expected a mapping with a `jobqueue:` section")
    dask.config.update(dask.config.config, data, priority="new")


def make_jobqueue_cluster(kind: str, threads: int = 1, config_file: Path | None = None):
    """A dask-jobqueue cluster of `kind` from the Dask config; each job runs one single-threaded worker per core."""
    import dask
    import dask_jobqueue

    _load_config(config_file)
    section = f"jobqueue.{kind}"
    cores, memory = dask.config.get(f"{section}.cores", None), dask.config.get(f"{section}.memory", None)
    if not cores or not memory:
        raise ParamsError(f"--scheduler {kind}: set {section}.cores and {section}.memory in the Dask config "
                          "(~/.config/dask/jobqueue.yaml or --cluster-config FILE; see the README)")
    prologue = list(dask.config.get(f"{section}.job-script-prologue", None) or [])
    prologue += [f"export {k}={v}" for k, v in worker_environment(threads).items()]
    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster, "sge": dask_jobqueue.SGECluster}
    return cls[kind](processes=int(cores), job_script_prologue=prologue)
