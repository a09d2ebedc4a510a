"""What the public calendar's pages say, asserted by the tests (the filter's date errors are the register's:
releases/messages.py, shared with the API)."""

# A status filter naming states the current tab does not show: where to look instead.
STATUS_ON_OTHER_TAB = "{states} releases are not shown on the {tab} tab."
SEE_OTHER_TAB = "See {states} releases with the same filters"
