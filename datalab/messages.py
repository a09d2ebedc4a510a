"""Messages a person reads from the Health Data Lab (tests assert these constants)."""

KEY_MISSING = (
    "No pseudonymisation key is configured. Set DATALAB_PSEUDONYM_KEY, or DATALAB_PSEUDONYM_KEY_FILE to the path of "
    "a secrets file holding the key."
)
KEY_FILE_UNREADABLE = "The pseudonymisation key file named in DATALAB_PSEUDONYM_KEY_FILE cannot be read or is empty."
KEY_TOO_SHORT = "The pseudonymisation key must be at least 32 characters long."
DEVELOPMENT_KEY_IN_USE = "Using the development pseudonymisation key file; never use it for real data"
EXTRACT_MISSING = "There is no national extract in {path}: build one with manage.py datalab_extract."
NO_IDENTIFIERS = (
    "Row {row} has neither an NHS number nor a date of birth, sex and postcode: read the file with "
    "cohort_file.read_cohort_file, which refuses such rows, before pseudonymising it."
)

# Reasons a cohort row is not linked, as the charity reads them.
REASONS = {
    "no_match": "No one in the national data has this NHS number (or these details)",
    "ambiguous_fallback": "More than one person has this date of birth, sex and postcode",
    "invalid_nhs_number": "The NHS number is not valid (10 digits with a correct check digit)",
    "missing_identifiers": "No NHS number, and date of birth, sex or postcode missing or not valid",
}

# Requests: refusals a person reads (datalab/services.py).
APPEND_ONLY = "The audit trail and deletion certificates are written once and can never be changed or deleted."
NOT_A_MEMBER = "Only people of {organisation} can make or change its requests."
NOT_ALLOWED_STEP = "You cannot {step} on this request."
CANNOT_STEP = "This request is {state}: you cannot {step} now."
REASON_REQUIRED = "Enter the reason."
ONLY_DRAFTS_EDITED = "Only a draft can be changed; this request has been submitted."
NOT_ELIGIBLE = "The request cannot be submitted yet: {reasons}"
PRIVACY_NOTICE_REQUIRED = (
    "Confirm that the people helped were told, in a privacy notice, that their details may be shared with "
    "the lab."
)
NO_EXTRACT = "The lab has no national data loaded yet, so it cannot check dates. Try again later."
AGREEMENT_NOT_CONFIRMED = (
    "Confirm that you have read and accept the data sharing agreement on behalf of your organisation."
)
SIGNATORY_REQUIRED = "Enter the name of the person signing."
SIGNATORY_ROLE_REQUIRED = "Enter the job title of the person signing."
NOT_AN_ANALYST = "{person} is not one of the lab's analysts."
NOT_A_CHECKER = "{person} is not one of the lab's output checkers."
CHECKER_IS_ANALYST = "The output checker must be a different person from the analyst (the two-person rule)."
UPLOAD_BEFORE_AGREEMENT = (
    "You cannot upload people's details before the data sharing agreement is signed and the lab has "
    "opened the upload."
)
UPLOAD_NOT_OPEN = "The upload is not open for this request: it is {state}."
TOO_FEW_LINKED = "Only {analysable} people could be linked and analysed; at least {minimum} are needed."
NOT_YET_LINKED = "The cohort has not been linked yet."
ANALYSIS_STARTED = "The analysis has started, so the request can no longer be withdrawn."
DATA_STILL_HELD = (
    "The lab still holds this request's person-level data: it must be deleted before the request is "
    "closed."
)

# The cohort file (datalab/cohort_file.py). Never a cell's value in a message: it may be an NHS number, a date of
# birth or a postcode.
COHORT_COLUMN_LABELS = {
    "nhs_number": "NHS number",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
    "index_date": "index date",
    "sessions": "number of sessions",
}
COHORT_INVALID = "The file cannot be used: it has {count}. Correct the file and upload it again."
COHORT_PROBLEM = "1 problem"
COHORT_PROBLEMS = "{count} problems"
COHORT_WRONG_TYPE = "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."
COHORT_EMPTY = "The file is empty."
COHORT_TOO_BIG = "The file must be smaller than {size}."
COHORT_NOT_UTF8 = (
    "The file is not saved as UTF-8, so some of its characters cannot be read. In Excel, choose File, Save As and "
    "the file type 'CSV UTF-8 (Comma delimited) (*.csv)', then upload the new file."
)
COHORT_CSV_BINARY = (
    "The file is not a CSV file: it contains data that is not text. Save your spreadsheet as 'CSV UTF-8 (Comma "
    "delimited) (*.csv)', or upload the Excel workbook (.xlsx) itself."
)
COHORT_CSV_IS_WORKBOOK = (
    "The file's name ends in .csv but it is an Excel workbook. Upload it with a name ending in .xlsx, or save it as "
    "'CSV UTF-8 (Comma delimited) (*.csv)'."
)
COHORT_CSV_UNREADABLE = (
    "The file cannot be read as CSV (the problem is on line {line}). Save it again from your spreadsheet as 'CSV UTF-8 "
    "(Comma delimited) (*.csv)' and upload the new file."
)
COHORT_CSV_SEPARATOR = (
    "The columns must be separated by commas. Save the file as 'CSV UTF-8 (Comma delimited) (*.csv)' and upload the "
    "new file."
)
COHORT_XLSX_NOT_WORKBOOK = (
    "The file's name ends in .xlsx but it is not an Excel workbook. It may be an older .xls file or protected by a "
    "password: open it in Excel, remove any password, and save it as 'Excel Workbook (*.xlsx)'."
)
COHORT_XLSX_UNREADABLE = (
    "The workbook cannot be read: it may be damaged. Open it in Excel, save it again as 'Excel Workbook (*.xlsx)' and "
    "upload the new file, or upload the list as a CSV file."
)
COHORT_XLSX_TOO_LARGE = (
    "The workbook is too large once unpacked (more than {size}). Keep only the list of people in it, or upload the "
    "list as a CSV file."
)
COHORT_XLSX_NO_SHEET = "The workbook has no worksheet. Put the list of people on its first sheet."
COHORT_XLSX_TOO_WIDE = (
    "The first sheet has something in a column after column {column}. Keep only the columns of the template on the "
    "first sheet, with nothing to their right."
)
COHORT_XLSX_TOO_LONG = (
    "The first sheet has something below row {row}, which is more rows than Excel allows. Keep only the list of people "
    "on the first sheet."
)
COHORT_HEADINGS = "nhs_number, date_of_birth, sex, postcode, index_date and, if you record them, sessions"
COHORT_HEADER_MISSING = (
    "The first row must be the column headings: " + COHORT_HEADINGS + ". Download the template to see them."
)
COHORT_COLUMNS_MISSING = (
    "The first row must have the headings {columns}. Add them, even if the column is empty for some people."
)
COHORT_COLUMNS_UNKNOWN = (
    "The file has columns the lab does not accept: {columns}. Delete them: send only the columns of the template."
)
COHORT_COLUMNS_DUPLICATED = "The file has more than one column headed {columns}. Keep one of each."
COHORT_VALUES_WITHOUT_HEADING = (
    "There is something in {columns}, which has no heading. Delete it, or give the column one of the template's "
    "headings."
)
COHORT_NO_ROWS = "The file has no people in it. Add one row for each person, under the headings."
COHORT_TOO_MANY_ROWS = "The file has more than {limit} people. The lab can take at most {limit} in one request."

COHORT_ROW_FORMULA = "Row {row}: the {column} contains a formula. Enter the value itself."
COHORT_ROW_FORMULA_LIKE = (
    "Row {row}: the {column} starts with +, @, a tab or a line break, which a spreadsheet could treat as a formula. "
    "Delete that character."
)
COHORT_ROW_NHS_NUMBER_FORMAT = (
    "Row {row}: enter the NHS number as 10 digits (spaces between them are fine), or leave it empty."
)
COHORT_ROW_NHS_NUMBER_CHECK = (
    "Row {row}: the NHS number is not a valid NHS number (its last digit does not match the others). Check it against "
    "the person's records."
)
COHORT_ROW_IDENTIFIERS_MISSING = (
    "Row {row}: enter the NHS number or, if you do not know it, the date of birth, sex and postcode."
)
COHORT_ROW_DATE_OF_BIRTH_FORMAT = "Row {row}: enter the date of birth as a real date, like 31/3/1980 or 1980-03-31."
COHORT_ROW_DATE_OF_BIRTH_FUTURE = "Row {row}: the date of birth must be today or in the past."
COHORT_ROW_DATE_OF_BIRTH_TOO_EARLY = "Row {row}: the date of birth must be on or after 1 January 1900."
COHORT_ROW_SEX = "Row {row}: enter the sex as 1, M or male, or as 2, F or female."
COHORT_ROW_POSTCODE = "Row {row}: enter a full UK postcode, like LS1 4AP."
COHORT_ROW_INDEX_DATE_MISSING = "Row {row}: enter the index date (the date the person started the programme)."
COHORT_ROW_INDEX_DATE_FORMAT = "Row {row}: enter the index date as a real date, like 31/3/2024 or 2024-03-31."
COHORT_ROW_INDEX_DATE_FUTURE = "Row {row}: the index date must be today or in the past."
COHORT_ROW_INDEX_DATE_TOO_EARLY = "Row {row}: the index date must be on or after 1 January 1900."
COHORT_ROW_INDEX_BEFORE_BIRTH = "Row {row}: the index date must be the same as or after the date of birth."
COHORT_ROW_SESSIONS = (
    "Row {row}: enter the number of sessions as a whole number from 0 to 10,000, or leave it empty."
)
COHORT_ROW_DUPLICATE_NHS_NUMBER = (
    "Row {row}: this person is already in the file (the same NHS number as row {first}). Include each person once."
)
COHORT_ROW_DUPLICATE_DETAILS = (
    "Row {row}: this person may already be in the file (the same date of birth, sex and postcode as row {first}). "
    "Include each person once, or give their NHS numbers."
)

# The template the organisation downloads: its second sheet, "Guidance", one row a column.
COHORT_GUIDANCE_TITLE = "How to fill in the list of people"
COHORT_GUIDANCE_INTRO = (
    "Put one person on each row of the first sheet, under the headings in row 1. Do not change or move the headings, "
    "add columns, or add anything else to that sheet.",
    "Give each person's NHS number if you know it. If you do not, give their date of birth, sex and postcode instead, "
    "so the lab can still find them.",
    "The examples below show the format only: they are not real people. Do not copy them into the first sheet; if you "
    "have, delete them before you upload the file.",
    "Enter values, not formulas: do not start a value with =, +, @ or a tab.",
)
COHORT_GUIDANCE_HEADINGS = ("Heading", "What to enter", "Required?", "Example")
COHORT_GUIDANCE_COLUMNS = {
    "nhs_number": (
        "The person's 10-digit NHS number. Spaces between the digits are fine.",
        "If you know it",
        "999 000 0018",
    ),
    "date_of_birth": (
        "The person's date of birth, as day/month/year or year-month-day.",
        "If there is no NHS number",
        "31/03/1980",
    ),
    "sex": ("M (or 1, or male) for male; F (or 2, or female) for female.", "If there is no NHS number", "F"),
    "postcode": ("The full postcode of the person's home address.", "If there is no NHS number", "LS1 4AP"),
    "index_date": (
        "The date the person started your programme (or first contact, if there is no clear start), as "
        "day/month/year or year-month-day.",
        "Yes",
        "15/09/2023",
    ),
    "sessions": (
        "How many sessions the person attended, as a whole number. Leave it empty, or delete the column, if you do "
        "not record it.",
        "No",
        "12",
    ),
}

# The application's automatic checks (datalab/eligibility.py): each says what was checked, passed or not. Dates read
# like "1 April 2024".
CHECK_MIN_PEOPLE_PASSED = "You expect {people:,} people: the lab needs at least {minimum:,}."
CHECK_MIN_PEOPLE_FAILED = (
    "You expect {people:,} people, but the lab needs at least {minimum:,} to compare them fairly with similar people. "
    "You could wait until more people have taken part, or combine years or sites."
)
CHECK_DATES_IN_ORDER_PASSED = "The programme start dates run from {start} to {end}."
CHECK_DATES_IN_ORDER_FAILED = "The last programme start date ({end}) is before the first ({start})."
CHECK_HISTORY_PASSED = (
    "The national data covers the year before the first programme start date, {start} (it begins on "
    "{coverage_start})."
)
CHECK_HISTORY_FAILED = (
    "The first programme start date, {start}, is too early: the lab compares people's hospital use in the year before "
    "they started, and the national data begins on {coverage_start}. The earliest start date it can use is {earliest}."
)
CHECK_FOLLOW_UP_PASSED = (
    "The national data covers the full year after the last programme start date, {end} (the latest start date it can "
    "follow up is {latest})."
)
CHECK_FOLLOW_UP_FAILED = (
    "The last programme start date, {end}, is too late: the lab needs a full year of hospital use after each start "
    "date, and {lag} days more for hospital records to arrive, but the national data runs only to {coverage_end}. "
    "The latest start date the data can follow up is {latest}."
)

# Why a linked person cannot be analysed, as the charity reads it (codes from eligibility.index_date_reason).
INELIGIBLE_REASONS = {
    "index_before_history": "Started too early: the national data does not cover the year before the start date",
    "index_after_coverage": "The start date is after the end of the national data",
    "follow_up_incomplete": "Started too late: the national data does not yet cover the full year after the start date",
}

# The power check (datalab/power.py): the smallest difference the lab could detect, before the charity applies.
POWER_SENTENCE_RATE = (
    "With {people:,} people, the lab could detect a difference of about {difference} or more in every 100 people "
    "having {event} in the year after starting (for example, from {base} to {lower} in every 100). A smaller "
    "difference could be real but the lab would probably not be able to tell it from chance."
)
POWER_SENTENCE_FREQUENCY = (
    "With {people:,} people, the lab could detect a difference of about {difference} or more {events} per 100 people "
    "in the year after starting (for example, from {base} to {lower} per 100). A smaller difference could be real but "
    "the lab would probably not be able to tell it from chance."
)
POWER_SENTENCE_TOO_FEW = (
    "With {people:,} people, the lab could detect only a difference of about {difference} or more per 100 people, "
    "more than the {base} per 100 that people like yours usually have: it could not tell whether the programme "
    "reduced {events}. More people would be needed, for example by combining years or sites."
)
# What each outcome counts, in the power sentence: one event (for a rate) and the events (for a frequency).
OUTCOME_EVENT = {
    "ae_attendances": "an A&E attendance",
    "emergency_admissions": "an emergency hospital admission",
    "elective_admissions": "a planned (elective) hospital admission",
    "outpatient_attendances": "an outpatient appointment they attended",
    "bed_days": "a night in hospital",
}
OUTCOME_EVENTS = {
    "ae_attendances": "A&E attendances",
    "emergency_admissions": "emergency hospital admissions",
    "elective_admissions": "planned (elective) hospital admissions",
    "outpatient_attendances": "outpatient attendances",
    "bed_days": "nights in hospital",
}

# What happens next, for each state of a request (datalab/turnaround.py fills in the working days, as configured).
NEXT_STEPS = {
    "draft": (
        "Finish the application and submit it. The lab checks that it can answer the request within "
        "{eligibility_checked}."
    ),
    "submitted": (
        "The lab is checking that it can answer the request, and aims to tell you within {eligibility_checked}."
    ),
    "eligibility_checked": (
        "Sign the data sharing agreement. The lab then countersigns it and opens the upload within {awaiting_upload}."
    ),
    "agreement_signed": (
        "The lab countersigns the agreement, names the analyst and the output checker, and opens the upload within "
        "{awaiting_upload}."
    ),
    "awaiting_upload": (
        "Upload the list of people your programme helped, using the template. The lab links it within {linked}."
    ),
    "linked": "The lab's analyst checks that enough people were linked to answer the request, within {feasible}.",
    "feasible": (
        "The analyst writes the analysis protocol (the outcomes and the method, fixed before any analysis) and locks "
        "it, within {protocol_locked}."
    ),
    "not_feasible": (
        "The lab cannot answer this request: the reasons are on this page. Any details of people you sent are "
        "deleted, and the lab closes the request."
    ),
    "protocol_locked": (
        "The analyst compares your people's hospital use with that of similar people who were not helped, within "
        "{analysed}."
    ),
    "analysed": (
        "A second person at the lab checks that nothing in the results could identify anyone, within "
        "{output_checked}."
    ),
    "output_checked": "The analyst sends you the draft report to check its facts, within {factual_review}.",
    "factual_review": (
        "Check the facts in the draft report, such as what the programme does and who it helps, and reply within "
        "{scheduled}. The results themselves do not change."
    ),
    "scheduled": "The report is published on the date announced, at least {published} after it was scheduled.",
    "published": (
        "The report is published. The lab deletes the details of people it holds for this request within "
        "{data_deleted}."
    ),
    "data_deleted": (
        "The details of people have been deleted, and a deletion certificate records what went. The lab closes the "
        "request within {closed}."
    ),
    "closed": "The request is closed. Nothing more happens.",
    "withdrawn": (
        "The request was withdrawn. Any details of people you sent are deleted, and the lab closes the request."
    ),
}
WORKING_DAYS = {1: "1 working day"}  # any other number: WORKING_DAYS_MANY
WORKING_DAYS_MANY = "{days} working days"
TURNAROUND_SUMMARY = (
    "A request usually takes about {months} months ({days} working days) from submission to publication, when your "
    "organisation signs the agreement and uploads its list promptly."
)
TURNAROUND_UNKNOWN = "DATALAB_TURNAROUND_DAYS names {names}: only {allowed} can be set."
TURNAROUND_NOT_DAYS = "DATALAB_TURNAROUND_DAYS must give a whole number of working days, 0 or more, for {name}."

# The analysis (datalab/analysis/): why a linked person is not analysed.
EXCLUSIONS = {
    "not_in_extract": "Linked to a person who is not in this national extract",
    "duplicate_person": "The same person appears more than once in the cohort (only the first row is analysed)",
    "index_date_missing": "No start date (index date) was given",
    "index_date_outside_window": (
        "The start date leaves less than a full year of hospital records before it, or less than a full follow-up "
        "year (and the processing lag) after it"
    ),
}
# Why a request is not feasible: no headline result is produced (codes are stable; the texts are what people read).
FEASIBILITY = {
    "too_few_people": "Only {analysed} people could be analysed; at least {minimum} are needed.",
    "too_few_matched": (
        "Only {share:.0%} of the people analysed could be matched to similar people who were not helped; at least "
        "{minimum:.0%} is needed."
    ),
    "imbalanced": (
        "After matching, the two groups still differ too much on {covariates} (a standardised difference above "
        "{threshold:.2f})."
    ),
}
PLACEBO_WARNING = (
    "Warning: in the year before they started, the people helped already differed from the comparison group in "
    "their hospital use. The comparison may not be like for like, so treat the results with extra caution."
)
MID_RULES_OUT_REDUCTION = (
    "The result rules out a fall of {value:g} or more per 100 people, the smallest difference the charity said "
    "would matter."
)
MID_DOES_NOT_RULE_OUT = (
    "The result cannot rule out a difference of {value:g} per 100 people, the smallest difference the charity said "
    "would matter."
)

# Disclosure control (datalab/disclosure/): why a figure is not published.
SDC_REASONS = {
    "count_1_to_7": "A count between 1 and 7 is shown as * (the HES rule)",
    "people_under_threshold": "Fewer than {threshold} people in this cell",
    "events_under_threshold": "Fewer than {threshold} people with an event (or events) in this cell",
    "non_events_under_threshold": "Fewer than {threshold} people without an event in this cell",
    "all_or_none": "Everyone or no one in this cell had the event (0% or 100% tells about each person)",
    "mean_from_too_few": "A mean or median from fewer than {threshold} people",
    "dominance": "The {n} largest contributions make up more than {k:.0%} of the total",
    "derived_from_suppressed": "It could be worked out from a figure that is suppressed",
    "not_feasible": "The analysis was not feasible, so no result is published",
}
DIFFERENCING_REFUSED = (
    "This cohort differs from one already published for the organisation by {difference} people (fewer than "
    "{minimum}): comparing the two reports could reveal those people's results."
)
DIFFERENCING_SAME_COHORT = "The same people as a cohort already published: a re-run, linked to the earlier report."

# The report's wording (after JDL and EDL; docs/datalab.md, "Wording"). {outcome} is the outcome's name in lower case.
HEADLINE_FEWER = (
    "People who took part in {programme} had fewer {outcome} in the year after starting than similar people who did "
    "not: between {low} and {high} fewer per 100 people ({measure}). This result is statistically significant."
)
HEADLINE_MORE = (
    "People who took part in {programme} had more {outcome} in the year after starting than similar people who did "
    "not: between {low} and {high} more per 100 people ({measure}). This result is statistically significant."
)
HEADLINE_NOT_SIGNIFICANT = (
    "The overall results do not show a statistically significant effect on {outcome}: between {low} fewer and "
    "{high} more per 100 people ({measure}). More people would need to be analysed to find out, and this should not "
    "be taken to mean that the programme has no effect."
)
PER_100_PEOPLE = (
    "For any 100 people like those helped: {treated} ({measure}) in the year; for 100 similar people who were not "
    "helped: {control}."
)
MEASURE_WORDS = {
    "rate": "people with at least one",
    "frequency": "the number in the year",
    "time_to_first": "mean days to the first, within the year",
}
NO_HEADLINE_SUPPRESSED = "The main result cannot be published: {reasons}."
RUN_IMMUTABLE = "A finished analysis run never changes: run the analysis again for a new version."
# The analysis runs and the output check (datalab/services.py).
RUN_ANALYSTS_ONLY = "Only the request's analyst can run the analysis."
RUN_NOT_LOCKED = "The analysis can only be run once the protocol is locked: the request is {state}."
RUN_ALREADY_ACTIVE = "An analysis run is already waiting or running for this request. Wait for it to finish."
RUN_REQUESTED = "The analysis is waiting for the lab's worker. This page shows how it is going."
RUN_FAILED = (
    "The analysis failed while {stage} ({kind}). No result was kept; the protocol is still locked, so the analysis "
    "can be run again once the problem is fixed."
)
RUN_REQUEST_MOVED = "The request moved on while the analysis ran (it is now {state}), so the result was not kept."
CHECK_NOT_BY_ANALYST = (
    "You are this request's analyst, so you cannot check its output: a different person must (the two-person rule)."
)
CHECK_NOT_BY_REQUESTER = (
    "You asked for this analysis run, so you cannot check its output: a different person must (the two-person rule)."
)
CHECK_CHECKER_ONLY = "Only the request's output checker can approve its output or send it back."
CHECK_DECISION_REQUIRED = "Select whether to approve the output or send it back"
CHECK_APPROVED = "The output is approved. The analyst can now send the report for the organisation's factual review."
CHECK_RETURNED = "The output was sent back to the analyst with your reasons."
LEDGER_NO_APPROVED_RUN = "No analysis run of this request has approved output, so there is no cohort to record."

# The API (datalab/api/): what a client reads in an error.
API_UNKNOWN_FIELD = "{name} is not a field this request takes. It takes: {known}."
API_FILE_REQUIRED = "Send the cohort file (CSV or XLSX) in the form field named file."
API_ONE_FILE = "Send one cohort file at a time, in the form field named file."
API_FILE_TOO_LARGE = "The file must be smaller than {size}. Nothing was kept."

# Pages (datalab/views.py, templates/jinja2/datalab/): what a person reads there.
NO_LAB_ACCESS = "You do not have access to the Health Data Lab's requests."
NO_LAB_ACCESS_WHY = (
    "These pages are for the people of organisations that ask the lab about their programmes, and for the lab's "
    "staff. If your organisation should have access, ask the EHSSG secretariat."
)
NEW_REQUEST_MEMBERS_ONLY = "Only the people of an organisation can start a request for it."
DELIVERY_ORDER = "The last programme start date must be the same as or after the first programme start date"
DRAFT_SAVED = "Your draft request was saved. Check the results below before you submit it."
SUBMITTED = "Your request was sent to the lab. We will check it and tell you what happens next."
AGREEMENT_SIGNED = "The data sharing agreement is signed. The lab will open the upload for your cohort."
UPLOAD_RECEIVED = "We received {rows:,} rows; the lab links them within {days}."
UPLOAD_PROBLEMS = "{count} in your file"
UPLOAD_MORE_PROBLEMS = "And {more:,} more problem{s} not listed here. Correct the file and upload it again."
UPLOAD_REQUIRED = "Select your cohort file (CSV or XLSX)"
UPLOAD_EMPTY = "The selected file is empty"
UPLOAD_ONE_FILE = "Upload one file at a time"
UPLOAD_FAILED = "Sorry, the lab could not read your file. Nothing was kept. Try again later."
NOT_YOUR_UPLOAD = "Only the people of {organisation} can upload its cohort, once the lab has opened the upload."
STEP_DONE = "Done: {step}."
STEP_NOT_YOURS = "You cannot {step} on this request now."
WITHDRAW_WARNING = (
    "Withdrawing stops the request for good. Any details of people the lab holds for it are deleted within the "
    "hour, with a certificate of deletion; the counts already shown stay on the request."
)
REASON_LABEL = "Reason"
# The question above the reason box of each step that needs one (the organisation reads the answer).
REASON_LABELS = {
    "refuse_eligibility": "Why is the request not eligible?",
    "mark_not_feasible": "Why can the request not be answered?",
    "return_output": "What must change before the output can leave the lab?",
    "approve_output": "What did you check?",
    "withdraw": "Why are you withdrawing the request?",
    "replace_cohort": "Why is the cohort being replaced?",
    "close": "Why is the request being closed?",
}
AGREEMENT_ACCEPT = "I accept this agreement on behalf of {organisation}"
ANALYST_REQUIRED = "Select the analyst"
CHECKER_REQUIRED = "Select the output checker"
FILTER_STATE_INVALID = "Select a state from the list"

# What each audit event that is not a step means (a step reads as its label, datalab/states.Step).
EVENTS = {
    "created": "Draft started",
    "edited": "Draft changed",
    "cohort_received": "Cohort file received",
    "analysis_requested": "Analysis run requested",
    "analysis_failed": "Analysis run failed",
}
# How a linked row was found in the national data (datalab/linkage.py's methods).
LINK_METHODS = {
    "nhs_number": "On the NHS number",
    "fallback": "On date of birth, sex and postcode",
}
# Why a request's person-level data was deleted (DeletionCertificate.ground).
DELETION_GROUNDS = {
    "published": "The report was published",
    "withdrawn": "The request was withdrawn",
    "not_feasible": "The request could not be answered",
    "retention_date": "The retention date came",
    "replaced": "A new cohort file replaced it",
}
