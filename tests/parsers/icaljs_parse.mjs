// Parse an iCalendar file with Mozilla's ical.js, as Thunderbird does. Prints one line per VEVENT; exits 1 on error.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
for (const tz of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(tz));
}
const events = calendar.getAllSubcomponents("vevent");
for (const vevent of events) {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  if (!start) throw new Error(`event ${event.uid} has no start`);
  console.log(`${event.uid} ${event.sequence} ${vevent.getFirstPropertyValue("status")} ${start.toJSDate().toISOString()}`);
}
console.log(`events ${events.length}`);
