"""The Health Data Lab's analysis engine (docs/datalab.md, "Part 2: the analysis"): pure functions over the extract.

covariates.py  the analysed cohort, the controls' pseudo-index dates, the strata, the covariates (DuckDB + numpy)
events.py      each outcome's events as sorted keys: any person's window in two binary searches
propensity.py  the logistic regression and every candidate's logit
matching.py    vectorised nearest-neighbour caliper matching with replacement, weights, the matching graph
balance.py     SMDs, variance ratios, effective sample size, colour bands
outcomes.py    rate, frequency, time to first event on the matched sample
inference.py   weighted regression with clustered standard errors, Holm, E-value, minimal important difference
result.py      the immutable, JSON-ready result and its fingerprint
run.py         run_analysis: the stages in order
validation.py  simulations with planted effects for `manage.py validate_datalab`
"""
