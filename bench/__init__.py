"""Commons' benchmarks: a synthetic corpus and the runner that builds it.

`python -m bench.corpus` writes the corpus; `python -m bench.run` measures
Commons against plain Pelican (and Hugo when it is installed) and checks the
budgets. See bench/README.md.
"""
