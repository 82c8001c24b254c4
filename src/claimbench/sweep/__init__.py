"""Claim frontiers: sweep a grid of a paper's params on Dask and show where each claim holds.

spec (what a sweep is, its validated points) · cluster (the Dask client: local, address, SLURM/PBS/SGE) ·
execute (points as tasks through claimbench.runner, reuse, retries) · tidy (frontier.csv) ·
frontier (figures) · page (the sweep's folder and page) · command (`claimbench sweep`).
"""
