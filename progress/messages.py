"""What people read when progress reporting refuses something (tests assert these constants)."""

REPORT_ISSUED = "This progress report has been issued to OSR and can no longer be changed."
NOT_SECRETARIAT = "Only the EHSSG secretariat drafts and issues progress reports."
QUARTER_NOT_ENDED = "{quarter} has not ended yet: a report is drafted once the quarter is over."
REPORT_EXISTS = "There is already a report for {quarter}."
COMMENTARY_REQUIRED = "Enter the commentary before issuing the report"
BAD_QUARTER = "Choose a quarter, for example 2026-Q1"
BAD_BREAKDOWN = "Choose no breakdown, by producer or by topic network"
NOT_FOR_YOU = "The OSR progress figures are for OSR, the EHSSG secretariat, Heads of Profession and network leads."
DRAFTED_EMAIL_SUBJECT = "Progress report for {quarter} drafted"
DRAFTED_EMAIL_BODY = (
    "The progress report to OSR for {quarter} has been drafted with the figures as at the end of the quarter.\n\n"
    "Add the commentary and issue it at {url}\n"
)
ADMIN_READ_ONLY = "Progress reports are drafted and issued on the /osr/reports/ pages; the admin only shows them."
ISSUE_NOT_CONFIRMED = "Confirm that you want to issue the report: it cannot be changed or withdrawn afterwards"
REPORT_CHANGED_SINCE_PREVIEW = (
    "The report changed since this preview was shown. Check the preview again: it now shows the latest version."
)
