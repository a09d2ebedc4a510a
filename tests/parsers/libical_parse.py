"""Parse an iCalendar file with libical (GObject introspection), as Evolution and KDE do.

Run with Debian's /usr/bin/python3 (python3-gi and gir1.2-ical-3.0), not the project's virtualenv. Prints one line per
VEVENT (UID, SEQUENCE, STATUS) and exits non-zero on any parse error.
"""

import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

text = open(sys.argv[1], encoding="utf-8").read()  # noqa: PTH123, SIM115
ICalGLib.error_clear_errno()
component = ICalGLib.Component.new_from_string(text)
errno = ICalGLib.errno_return()
if component is None or errno != ICalGLib.ErrorEnum.NO_ERROR:
    sys.exit(f"libical could not parse the calendar: {ICalGLib.error_perror()}")
errors = []
event = component.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
count = 0
while event is not None:
    count += 1
    prop = event.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        errors.append(prop.as_ical_string().strip())
        prop = event.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    status = event.get_first_property(ICalGLib.PropertyKind.STATUS_PROPERTY)
    status_text = status.as_ical_string().strip().split(":", 1)[1] if status is not None else "NONE"
    start = event.get_dtstart()
    if start is None or start.is_null_time():
        errors.append(f"event {event.get_uid()} has no valid DTSTART")
    print(f"{event.get_uid()} {event.get_sequence()} {status_text}")
    event = component.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
while prop is not None:
    errors.append(prop.as_ical_string().strip())
    prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
tz = component.get_first_component(ICalGLib.ComponentKind.VTIMEZONE_COMPONENT)
if tz is not None:
    sub = tz.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while sub is not None:
        prop = sub.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            errors.append(prop.as_ical_string().strip())
            prop = sub.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        sub = tz.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
if errors:
    sys.exit("libical reported: " + " | ".join(errors))
print(f"events {count}")
