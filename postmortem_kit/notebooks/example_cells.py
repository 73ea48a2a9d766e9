"""The cells of the worked example: a tutorial on the bundled sample incident.

Read top to bottom by a newcomer: each step is a short explanation and a short cell. The
cells whose numbers matter carry ``# NBVAL_CHECK_OUTPUT`` so CI notices when the derived
facts change. Everything but the final report is tagged ``remove_cell``.
"""

from __future__ import annotations

from collections.abc import Sequence

HIDDEN = "remove_cell"
CHECK = "# NBVAL_CHECK_OUTPUT"

WORKED_EXAMPLE: list[tuple[str, str, Sequence[str]]] = [
    ("md", """\
# Worked example: checkout outage after a bad deploy

This notebook investigates the sample incident bundled with postmortem-kit (synthetic
evidence of a checkout outage, `data/incident/`) from raw files to a finished postmortem.
Every fact in the report is derived from the evidence, with its provenance; only the
judgement (root cause, lessons, action items) is written by hand.

`postmortem demo` runs this notebook and exports the report; the steps are the same for
your own incident in the notebook `postmortem new` creates.""", [HIDDEN]),
    ("code", """\
# Parameters: `postmortem demo` replaces these values.
evidence = None          # None: the bundled sample incident
year = 2026              # syslog lines carry no year
out_dir = None           # where postmortem.json and the charts go; None: a temporary folder
timezone = "UTC\"""", ["parameters", HIDDEN]),
    ("md", """\
## 1. Load the evidence

`read_events` reads every file into one *events frame*: one row per log line, request,
alert, page, deploy or chat message, with a UTC `timestamp`, its `source`, `kind`, `level`
and `message`, and the `line` it came from. Formats are recognised automatically.""",
     [HIDDEN]),
    ("code", """\
import tempfile
from pathlib import Path

from postmortem_kit import Postmortem, derive_timeline, read_events
from postmortem_kit.document import KeyEvent
from postmortem_kit.document.prefill import users_affected
from postmortem_kit.document import Report
from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline, save_figure
from postmortem_kit.sample import evidence_paths
from postmortem_kit.widgets import PostmortemForm

out = Path(out_dir or tempfile.mkdtemp(prefix="postmortem-example-"))
postmortem_path = out / "postmortem.json"
events = read_events(evidence or evidence_paths(), year=year, progress=False)
print(events.groupby("source", observed=True).size().to_string())""", [HIDDEN]),
    ("md", """\
## 2. Derive the timeline

`derive_timeline` finds the five phases (impact started, detected, acknowledged, mitigated,
resolved), each with the evidence and rule that produced it, and the metrics defined from
them: time to detect, acknowledge, mitigate and resolve.""", [HIDDEN]),
    ("code", f"""\
{CHECK}
tl = derive_timeline(events)
for phase, row in tl.phases.iterrows():
    print(f"{{phase:<13}} {{row['time']}}  {{row['source']}}")""", [HIDDEN]),
    ("code", f"""\
{CHECK}
for metric, value in tl.metrics["value"].items():
    print(f"{{metric:<9}} {{value}}")""", [HIDDEN]),
    ("md", """\
## 3. Impact

Who was hurt, counted from the access log: users with at least one failed request during
the impact window, out of the users active in it.""", [HIDDEN]),
    ("code", f"""\
{CHECK}
print("users affected:", users_affected(tl.impact))
print("failed requests:", tl.impact["failed_requests"], "of", tl.impact["total_requests"])""",
     [HIDDEN]),
    ("md", """\
## 4. Key events and what was new

Key-event candidates come ranked from alerts, pages, deploys, chat and the first
appearance of new error signatures; the postmortem takes the best ones.""", [HIDDEN]),
    ("code", """\
tl.key_events[["time", "event", "source", "why"]].head(10)""", [HIDDEN]),
    ("code", """\
tl.signatures[["template", "count_before", "count_during"]].head(5)""", [HIDDEN]),
    ("md", """\
Evidence the rules cannot rank still matters. Chat holds a customer ticket quoting an
order note; it goes into the key events as evidence of customer impact. Its text is
hostile on purpose (`<script>`, table-breaking characters): the report shows it as text.""",
     [HIDDEN]),
    ("code", """\
chat = events[(events["kind"] == "chat") & events["message"].str.contains("customer ticket")]
ticket = chat.iloc[0]
print(ticket["timestamp"], ticket["message"])""", [HIDDEN]),
    ("md", """\
## 5. Charts

Each plot function returns its Axes; `save_figure` writes a byte-stable PNG and SVG next
to the postmortem and returns the supporting-documentation entries that link them (the
report shows the SVG: sharp in print, and its labels can be redacted for sharing).""", [HIDDEN]),
    ("code", """\
charts = []
for name, ax in [("overview", plot_overview(events, tl, tz=timezone)),
                 ("timeline", plot_timeline(events, tl, tz=timezone)),
                 ("phases", plot_phases(tl, tz=timezone))]:
    charts += save_figure(ax.figure, out / "charts" / name, relative_to=out)  # PNG and SVG""",
     [HIDDEN]),
    ("md", """\
## 6. The postmortem document

`prefill` fills every empty field it can from the timeline (overview times, detection,
resolution, impact, key events, the chart links) and never overwrites what a person wrote.
The judgement is written by hand: in your own investigation, type it into the form below;
here it is set in code so the example re-runs identically.""", [HIDDEN]),
    ("code", """\
pm = Postmortem(title="Checkout outage after the checkout v2.14.0 deploy", timezone=timezone)
pm.prefill(tl, charts=charts)
pm.key_events = sorted([*pm.key_events, KeyEvent(
    time=ticket["timestamp"].to_pydatetime(), event=ticket["message"],
    action_taken="Confirmed customer impact", source="slack")], key=lambda e: e.time)
pm.overview.severity = "P2"
pm.overview.impact = "About two thirds of checkout attempts failed with 5xx for 37 minutes."
pm.root_cause.technical_cause = ("checkout v2.14.0 dropped `currency` from multi-currency "
                                 "carts; payments failed on the missing field and retried "
                                 "without backoff, exhausting its database pool.")
pm.root_cause.trigger = "The 14:01 UTC deploy of checkout v2.14.0."
pm.root_cause.contributing_factors = "No canary stage for checkout; retries without backoff."
pm.impact.business_impact = "Failed orders during the window; support tickets from customers."
pm.went_well = ["The error-ratio alert fired within its window and paged the on-call."]
pm.went_wrong = ["Raising the payments pool size did not help and cost 16 minutes."]
pm.action_items.immediate = [{"description": "Add backoff to payments retries",
                              "owner": "Sam Okafor", "due": "2026-03-19"}]
pm.action_items.long_term = [{"description": "Canary stage for checkout deploys",
                              "owner": "Marco Rossi", "due": "2026-04-15", "priority": "high"}]
pm.lessons_learned = ["The first new error signature after a deploy points at the cause."]
pm.assessment.detection_method_effectiveness = "Good: the alert fired 6 minutes into the impact."
pm.assessment.response_time_analysis = "Acknowledged in 4 minutes; mitigation took 35."
pm.assessment.tool_effectiveness = "The new error signature pointed at the deploy at once."
pm.prevention.monitoring_improvements = "Alert on new error signatures after each deploy."
pm.prevention.process_improvements = "Roll back first when impact starts right after a deploy."
pm.prevention.system_improvements = "Validate currency at the cart boundary; retry with backoff."
pm.follow_up.review_date = "2026-03-26"
pm.follow_up.stakeholders = ["Dana Whitfield", "Marco Rossi", "Sam Okafor"]
pm.save(postmortem_path)""", [HIDDEN]),
    ("md", """\
## 7. The form

`PostmortemForm` edits every field of the template and saves `postmortem.json` as you type
(the report never shows the live form: it shows the document the form saved).""", [HIDDEN]),
    ("code", "PostmortemForm(postmortem_path, timeline=tl, charts=charts)", [HIDDEN]),
    ("md", """\
## 8. The report

The last cell displays the document, in the template's layout, with the charts under
supporting documentation. It is the only output of the exported report:
`postmortem export worked_example.ipynb --to html --execute`.""", [HIDDEN]),
    ("code", "Report(postmortem_path)", []),
]
