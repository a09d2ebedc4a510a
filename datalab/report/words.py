"""Every sentence of the report (docs/datalab.md, "The report"). The headline and the placebo warning are the engine's
own (datalab/messages.py), so the report and the output checker's view say the same; the rest is here.

{outcome} is an outcome's name in lower case ("emergency hospital admissions"); figures are per 100 people.
"""

from __future__ import annotations

# "For any 100 people like those helped" boxes, by measure.
BOX_HELPED = {
    "rate": "{value} had {one} in the year after starting",
    "frequency": "{value} {outcome} between them in the year after starting",
}
ONE_OF = {
    "ae_attendances": "an A&E attendance",
    "emergency_admissions": "an emergency hospital admission",
    "elective_admissions": "a planned (elective) hospital admission",
    "outpatient_attendances": "an outpatient attendance",
    "bed_days": "a night in hospital",
}
BOX_HELPED_TITLE = "For any 100 people like those helped"
BOX_COMPARISON_TITLE = "For 100 similar people who were not helped"
BOX_SUPPRESSED = "This figure is not published: it could identify someone."

NO_HEADLINE = "There is no headline result."
NOT_FEASIBLE = (
    "The lab could not find a comparison group similar enough to the people helped, so this report gives no result. "
    "The reasons:"
)

# What you can and cannot say, by the primary result.
CAN_SAY = {
    "fewer": (
        "This analysis shows that people who took part in {programme} had fewer {outcome} in the year after starting "
        "than similar people who did not take part.",
    ),
    "more": (
        "This analysis shows that people who took part in {programme} had more {outcome} in the year after starting "
        "than similar people who did not take part.",
    ),
    "not_significant": (
        "This analysis does not give evidence that taking part in {programme} changed the number of {outcome} in the "
        "year after starting.",
        "More people would need to be analysed to find out whether it did.",
    ),
}
CANNOT_SAY = {
    "fewer": (
        "This analysis shows that {programme} reduces {outcome} for everyone it could help: it applies to people "
        "like those analysed.",
        "This analysis proves the programme caused the difference: the comparison matched the people on what the "
        "national records show, not on everything about them.",
    ),
    "more": (
        "This analysis shows that {programme} harms the people it helps: more hospital use can mean that needs were "
        "found and met.",
        "This analysis proves the programme caused the difference: the comparison matched the people on what the "
        "national records show, not on everything about them.",
    ),
    "not_significant": (
        "This analysis shows that {programme} has no effect on {outcome}.",
        "This analysis shows that {programme} increases or reduces {outcome}.",
    ),
}

APPLIES_TO = (
    "The result applies to people like the {analysed} analysed: {who}, who started the programme between {start} "
    "and {end}. It may not apply to other people the programme helps."
)
UNCERTAINTY = (
    "A matched comparison is not a randomised trial: it compares the people helped with similar people who were not, "
    "and anything the national records do not show (how unwell people were, what else helped them) may still differ "
    "between the groups. The 95% intervals show the uncertainty from chance alone."
)

METHOD = (
    "The lab linked the people the organisation sent to national hospital records (Hospital Episode Statistics). For "
    "each person it found up to {controls} people who were not helped and were as alike as possible in the year "
    "before: the same sex, age band and quarter of starting, and a similar chance of taking part given their age, "
    "ethnicity, region, deprivation and hospital use (nearest neighbour matching on a propensity score, within "
    "{caliper} standard deviations of its logit, with replacement). After matching every characteristic differed by "
    "less than {smd} standard deviations. It then compared hospital use in the year after each person's start date, "
    "with standard errors that allow for comparison people used more than once. {primary} was chosen as the main "
    "result before the analysis; the other results are secondary and marked when they stay significant after the Holm "
    "adjustment for testing many outcomes."
)
PRIMARY_NAMED = "{outcome} ({measure})"

HOLM_YES = "Significant after Holm"
HOLM_NO = "Not significant after Holm"

E_VALUE = (
    "E-value {point}: to explain away the main result, something the lab could not measure would have to be linked "
    "both with taking part and with {outcome} by a risk ratio of at least {point} each, over and above everything the "
    "matching took into account."
)
E_VALUE_INTERVAL = "To move the interval to include no difference, a risk ratio of at least {ci} would be enough."
E_VALUE_INTERVAL_NULL = "The 95% interval already includes no difference."
E_VALUE_COMPUTED = "(Computed by the report from the two published rates.)"

MID_NONE = ""
MID_RULES_OUT_BOTH = (
    "The result rules out a fall or a rise of {value:g} or more per 100 people, the smallest difference the "
    "organisation said would matter: any effect is smaller than that."
)
MID_RULES_OUT_RISE = "The result rules out a rise of {value:g} or more per 100 people."

FOREST_TITLE = {
    "rate": "People with at least one, in the year after starting: difference per 100 people",
    "frequency": "Number in the year after starting: difference per 100 people",
}
FOREST_CAPTION = {
    "rate": "Difference in people with at least one, per 100 (helped minus comparison)",
    "frequency": "Difference in the number per 100 people (helped minus comparison)",
}
FOREST_DESC = (
    "For each outcome, the difference between the people helped and the comparison group per 100 people, as a dot, "
    "with its 95% interval as a line. Left of the zero line: fewer than the comparison group; right: more. "
    "{rows} outcomes are shown; the same figures are in the table."
)
BALANCE_TITLE = "How alike the groups were before and after matching"
BALANCE_DESC = (
    "For each characteristic, the standardised mean difference between the people helped and the comparison group "
    "before matching (hollow circle) and after (filled circle). The dashed lines at -0.10 and 0.10 mark the limit "
    "every characteristic must be within after matching. {rows} characteristics are shown; the same figures are in the "
    "table."
)
CATALOGUE_FOREST_TITLE = "{outcome} ({measure}) across the published reports, per 100 people"
CATALOGUE_FOREST_DESC = (
    "For each published report, the difference in {outcome} between the people helped and the comparison group per "
    "100 people, with its 95% interval. {rows} reports are shown; the same figures are in the table."
)

COUNT_LABELS = {
    "submitted": "People the organisation sent",
    "linked": "Found in the national records",
    "analysed": "Analysed",
    "matched": "Matched to a comparison group",
    "share_matched": "Share matched",
}

# Refusals of the report's steps (datalab/services.py), and what the pages say after them.
NOT_IN_REVIEW = "The programme description can be corrected only during the factual review; this request is {state}."
DESCRIPTION_REQUIRED = "Enter what the programme does"
DESCRIPTION_TOO_LONG = "The description must be {limit:,} characters or fewer"
DESCRIPTION_UNCHANGED = "The description is the same as before. Change it, or leave the page"
DESCRIPTION_CORRECTED = "The programme description is corrected: the report shows the new words."
NO_APPROVED_RUN = "No output checker has approved an analysis of this request, so there is no report to publish."
PUBLISH_ON_REQUIRED = "Enter the date of publication"
PUBLISH_ON_NOT_WORKING_DAY = (
    "Statistics are published on working days: {day} is a {what}. Choose a weekday that is not a bank holiday"
)
PUBLISH_ON_TOO_SOON = (
    "The date must be announced at least {days} days ahead (Code of Practice for Statistics): choose {earliest} or "
    "later"
)
PUBLISH_ON_AFTER_RETENTION = (
    "The report must be published before {day}, when the agreement says the lab deletes the people's data"
)
SCHEDULED = "The report will be published at 9:30am on {day}. It is on the public release calendar now."
PRE_RELEASE_ROLE = "People of the organisation that asked for the report"
PRE_RELEASE_JUSTIFICATION = (
    "The organisation that asked the Health Data Lab for the report reads the final report up to 24 hours before "
    "publication to prepare its response (it checked the facts about its programme during the factual review)."
)
RELEASE_TITLE = "Health Data Lab: {programme}"
RELEASE_SUMMARY = (
    "The effect of {programme} ({organisation}) on hospital use in the year after starting, against a matched "
    "comparison group."
)
REPORT_NOT_VISIBLE = "This report is not published yet."
