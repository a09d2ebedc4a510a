"""Messages a person reads from the Health Data Lab (tests assert these constants)."""

KEY_MISSING = (
    "No pseudonymisation key is configured. Set DATALAB_PSEUDONYM_KEY, or DATALAB_PSEUDONYM_KEY_FILE to the path of "
    "a secrets file holding the key."
)
KEY_FILE_UNREADABLE = "The pseudonymisation key file named in DATALAB_PSEUDONYM_KEY_FILE cannot be read or is empty."
KEY_TOO_SHORT = "The pseudonymisation key must be at least 32 characters long."
DEVELOPMENT_KEY_IN_USE = "Using the development pseudonymisation key file; never use it for real data"
EXTRACT_MISSING = "There is no national extract in {path}: build one with manage.py datalab_extract."

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
UPLOAD_RECEIVED = "We received {rows:,} rows; the lab links them within {days} working days."
UPLOAD_PROBLEMS = "{total:,} problem{s} in your file"
UPLOAD_MORE_PROBLEMS = "And {more:,} more problem{s} not listed here. Correct the file and upload it again."
UPLOAD_REQUIRED = "Select your cohort file (CSV or XLSX)"
UPLOAD_EMPTY = "The selected file is empty"
UPLOAD_TOO_LARGE = "The selected file must be smaller than {size}. Nothing was kept."
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
