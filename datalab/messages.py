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
