"""What people read when the service protects itself: sign-in refusals, lockouts, rate limits, errors.

None of them says whether a username exists: a wrong password, an unknown user and a locked account read the same
until the lockout, and the lockout message is shown for unknown usernames too.
"""

SIGN_IN_FAILED = "Enter a correct username and password"
SIGN_IN_LOCKED = (
    "Too many failed attempts to sign in from here. For your security, signing in is paused for {minutes} minutes. "
    "Try again later, or contact the EHSSG secretariat."
)
RATE_LIMITED = "Too many requests from your address. Try again in {minutes} minute{s}."
UNKNOWN_PARAMETER = "{name} is not a parameter of this list. It takes: {known}."
SERVER_ERROR = "Sorry, there is a problem with the service. Try again later."
NULL_CHARACTER = "Null characters are not allowed."
BROKEN_TEXT = "This text has a broken character (a lone surrogate, \\u{code:04x}): send valid Unicode text."
