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
