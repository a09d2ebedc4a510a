"""Words the import says about files and records. Tests assert these constants."""

# Files
NOT_UTF8_JSON = "The file is not JSON in UTF-8: {error}."
NOT_JSON = "The file is not valid JSON: {error}."
NOT_CSV = "The file is not a CSV table: {error}."
NOT_UTF8_LINE = "Line {line} is not UTF-8 text: save the file as UTF-8."
NO_RECORDS_GOVUK = (
    "The file holds no GOV.UK statistics announcements (it looks like {what}); nothing to import from it."
)
NO_RECORDS_ONS = "The file holds no ONS releases (it looks like {what}); nothing to import from it."
CSV_MISSING_COLUMNS = "The CSV has no {columns} column: the first line must name the columns (see docs/import.md)."
UNKNOWN_FORMAT = "Unknown format {format!r}: use govuk, ons or csv."
NOT_A_FILE = "{path} is neither a file nor a folder."

# Records: what is missing or wrong
NOT_AN_OBJECT = "The record is not a JSON object."
MISSING = "The record has no {field}."
BAD_DISPLAY_DATE = (
    'The display date {value!r} is not in GOV.UK\'s wording (for example "20 January 2027 9:30am", "January 2027" '
    'or "January to February 2027").'
)
BAD_DATE = "The {field} {value!r} is not a date (YYYY-MM-DD) or date and time (ISO 8601)."
BAD_TIME = "The {field} {value!r} is not a time (HH:MM, 24-hour)."
BAD_STATE = "The state {value!r} is not provisional, confirmed or cancelled."
BAD_PRECISION = "The date precision {value!r} is not exact_time, exact_date or month."
BAD_PROVISIONAL_TEXT = (
    'The provisional date {value!r} is not a month or two months (for example "August to September").'
)
CHANGES_MISMATCH = "The previous dates ({dates}) and times ({times}) do not pair up."
BACK_TO_WINDOW = "The date goes from an exact date back to a window ({window}); the register cannot record that."
WINDOW_TOO_WIDE = "The window {value!r} is wider than two calendar months."
CONFIRMED_WITHOUT_TIME = "The record is {state} but gives no exact date."
TITLE_TOO_LONG = "The title is longer than 200 characters."
BOTH_PUBLISHED_AND_CANCELLED = "The record says it is both published and cancelled."
PUBLISHED_IN_FUTURE = "The record says it was published, but it is due {due}, which is still ahead."
OUT_OF_RANGE = "A date in the record is outside the range the register can hold."
TIMES_CONTRADICT = "The source's own times do not fit its dates ({detail})."

# Records: what the register refuses
UNKNOWN_ORGANISATION = (
    "{organisation!r} is not a producer in the register, and no producer matches it by name, abbreviation or GOV.UK "
    "slug. Ask the secretariat to add it, or map it in importing/producers.py."
)
NO_ORGANISATION = "The record names no producer; give one (for a whole file: --producer)."
NOT_YOUR_PRODUCER = "You are not an editor or Head of Profession of {producer}, so you cannot import its releases."
NO_CONTACT = (
    "The source names no lead statistician and you have no e-mail address on your account: give a contact "
    '(--contact "Name <e-mail>").'
)
FINAL_HERE = "This release is already {state} in the register; the source's change ({what}) cannot be applied."
IMPORTED_MEANWHILE = "Another import of this record finished first; import again to compare with it."
CANNOT_UNCONFIRM = "The source has this release provisional again; a confirmed release keeps its exact date."

# What history and date changes say
CREATED_REASON = "Imported from {label}"
ANNOUNCED_REASON = "Announced (imported from {label})"
CONFIRMED_REASON = "Confirmed for {when} (imported from {label})"
UPDATED_REASON = "Updated from {label}: {fields}"
CHANGE_NO_REASON = "Date changed on {source}; the source gives no reason."
CANCEL_NO_REASON = "Cancelled on {source}; the source gives no reason."
AGREED_NOTE = "Agreed by the producer and announced on {source} before import ({label})."
WINDOW_MOVED_NOTE = "Window moved to the month of the exact date before confirming it."
NO_TIME_ASSUMPTION = "The source gives the day but no time; the standard 9:30am is assumed."
NO_STEP_TIME = "The source gives no time for this step."

# The API
IMPORT_NOT_ALLOWED = (
    "Only producers' editors and Heads of Profession (for their own producers) and the EHSSG secretariat can import "
    "releases."
)
NO_CONTENT = "Send the releases to import: a content field (JSON, or CSV text) or a file."
FILE_TOO_BIG = "Send at most {megabytes} MB in one upload; split the file."
CONTENT_TOO_MANY = "Send at most {maximum} records in one upload; split the file."
