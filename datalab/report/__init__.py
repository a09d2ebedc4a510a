"""The Health Data Lab's published report (docs/datalab.md, "The report"): from a run's disclosure-controlled tables
and the request to the words and pictures a charity can quote.

view_model.py  the publishable dict (datalab/disclosure/publish.py) + the request's facts -> a ``ReportView``
words.py       every sentence of the report, after the Justice and Employment Data Labs' wording
evalue.py      the E-value of a risk ratio (VanderWeele and Ding 2017), for when the run did not give one
svg.py         the forest plot and the balance plot as server-side SVG, each with a title, a description and a table
pdf.py         the same HTML as a PDF, with WeasyPrint (docs/decisions/0006-report-pdf-weasyprint.md)
selectors.py   which run a request's report shows, who may see it, the public catalogue
views.py       the report page and PDF, the catalogue, the factual review and scheduling pages

Pure apart from selectors.py and views.py: the view model and the plots read plain values, so every wording branch is
tested without a database.
"""
