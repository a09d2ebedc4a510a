"""Words the services say to people: refusals and warnings. Tests assert these constants."""

# Refusals
NOT_A_PRODUCER_EDITOR = "Only editors and the Head of Profession of {producer} can change its releases."
NOT_HOP = "Only the Head of Profession for Statistics of {producer} can agree or refuse a change to its release dates."
CANNOT_ANNOUNCE = "Only a draft release can be announced. This release is {state}."
CANNOT_CONFIRM = "Only a provisional release can be confirmed. This release is {state}."
CONFIRM_OUTSIDE_WINDOW = (
    "The exact date must fall within the announced window ({window}). To move it outside the window, request a date "
    "change and ask your Head of Profession to agree it."
)
CANNOT_CHANGE_DATE = "Only a provisional or confirmed release can have its date changed. This release is {state}."
CONFIRMED_NEEDS_EXACT = "A confirmed release keeps an exact date and time. Enter the new date and time."
PROVISIONAL_NEEDS_WINDOW = "A provisional release moves to another window. To set an exact date, confirm it instead."
CHANGE_ALREADY_PENDING = (
    "A change to this release is already waiting for the Head of Profession. Withdraw it before asking for another."
)
CHANGE_SAME_DATE = "The new date is the same as the current one."
CHANGE_NOT_PENDING = "This change has already been {status}."
CHANGE_WITHDRAW_NOT_ALLOWED = "Only the person who asked for this change, or an editor of {producer}, can withdraw it."
REASON_REQUIRED = "Enter the reason for the change"
CANCEL_REASON_REQUIRED = "Enter the reason for cancelling the release"
CANNOT_CANCEL = "Only a provisional or confirmed release can be cancelled. This release is {state}."
CANNOT_PUBLISH = "Only a confirmed release can be marked as published. This release is {state}."
NOT_YET_DUE = "This release is due at {due}. It cannot be marked as published before then."
PUBLISHED_URL_REQUIRED = "Enter the address of the published statistics"
CANNOT_EDIT = "A {state} release cannot be edited."
CANNOT_DISCARD = "Only a draft can be discarded: an announced release is never deleted. Cancel it instead."
PRA_NEEDS_EXACT = "Pre-release access can only be given once the release has an exact date and time."
PRA_TOO_EARLY = "Pre-release access can start at most 24 hours before the release ({earliest})."
PRA_AFTER_RELEASE = "Pre-release access must start before the release time ({due})."
PRA_CLOSED = "The pre-release access list of a {state} release cannot be changed."
WINDOW_IN_PAST = "The window has already ended. Choose a window that is still to come."
RELEASE_IN_PAST = "The release date and time must be in the future."
REFERENCE_PERIOD_ORDER = "The end of the reference period must be the same as or after the start"
LEAD_NOT_JOINT = "The lead producer cannot also be a joint producer."
SERIES_NOT_OF_PRODUCER = "The series {series} is not produced by {producer}."

# Pages
CANNOT_REGISTER = "You cannot register releases"
CANNOT_REGISTER_WHY = (
    "Only editors and Heads of Profession of a statistics producer register and manage releases. If you work for a "
    "producer, ask the EHSSG secretariat to add you to it."
)
NO_RELEASES_MATCH = "No releases match these filters."

# The calendar's filters (the page, its feeds and the API)
DATE_FROM_INVALID = "Date from must be a real date"
DATE_TO_INVALID = "Date to must be a real date"
DATE_FROM_AFTER_TO = "Date from must be the same as or before date to"

# Warnings: shown, never blocking
WARN_SHORT_NOTICE = "Confirmed {days} days ahead: the Code of Practice asks for at least {minimum} days' notice."
WARN_NON_STANDARD_TIME = (
    "The release time is {time}, not the standard 9:30am{alternative}. Only a time OSR has approved for the series "
    "should be used."
)
WARN_WEEKEND = "{day} is a {weekday}: releases should be on a weekday."
WARN_BANK_HOLIDAY = "{day} is a bank holiday in England and Wales ({name})."
WARN_OUTSIDE_WINDOW = "The date is outside the provisional window announced ({window})."

# Flags
FLAG_NOT_YOURS = (
    "Only the producers concerned, the lead of the topic network and the EHSSG secretariat can settle this flag."
)
FLAG_ALREADY_SETTLED = "This flag has already been {status}."
FLAG_NOT_OPEN = "Only an open flag can be acknowledged."
FLAG_REASON_REQUIRED = "Enter what was done, or why this is not a problem"
FLAG_NOT_A_CLASH = "Only a date clash can be settled by marking the releases as coordinated."
FLAG_NOT_A_DUPLICATE = "Only a possible duplicate can be confirmed as a duplicate."
FLAG_WITHDRAW_NOT_IN_PAIR = "Choose one of the two releases this flag is about"
RELATE_SELF = "A release cannot be related to itself."
WITHDRAW_SAME = "A release cannot be withdrawn in favour of itself."
