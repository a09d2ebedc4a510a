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

# The API (datalab/api/): what a client reads in an error.
API_UNKNOWN_FIELD = "{name} is not a field this request takes. It takes: {known}."
API_FILE_REQUIRED = "Send the cohort file (CSV or XLSX) in the form field named file."
API_ONE_FILE = "Send one cohort file at a time, in the form field named file."
API_FILE_TOO_LARGE = "The file must be smaller than {size}. Nothing was kept."
