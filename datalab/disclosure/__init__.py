"""Statistical disclosure control for the Health Data Lab's outputs (docs/datalab.md, "Disclosure control").

rules.py      the pure rules: HES rounding and the 1-7 star, thresholds on people, events and non-events, 0% and 100%,
              means and medians from 10 or more people, dominance (ACRO's n=2, k=90%); each check says why it failed
ledger.py     the differencing check against an organisation's published cohorts (sets of opaque tokens)
publish.py    a whole analysis result through the rules: the publishable tables and the evidence of every cell
acro_check.py the profile tables through ACRO (SACRO's Automatic Checking of Research Outputs), kept as evidence
"""
