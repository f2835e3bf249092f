"""The bundled demo workbook: two product teams running the quarterly learning playbook.

`demo_tabs()` returns the workbook as raw tabs (tab title -> rows, row 0 the header row,
cells plain Python scalars: str, int, datetime.date or None for a blank cell), exactly the
shape a spreadsheet or file source hands to the loader.

The data covers the six calendar quarters ending with the quarter that contains `today`,
and nothing is dated after `today`. It is built from the hand-written tables below plus a
seeded `random.Random`, so the same `today` always gives the same workbook.

The stories the charts should tell:

* Checkout runs the playbook well: a critique every month with PM, Design and Eng in the
  room, a quarterly write-up, sources pruned at each quarter's review, and decisions that
  trace back to sources and critiques.
* Growth has cadence gaps: months without a critique, a dropped theme and a quarter with
  no write-up, dormant sources nobody pruned, late and dropped commitments, and decisions
  that are less often traced.
* One Checkout decision is superseded and one Growth decision is reverted; the decisions
  that replaced them name them in `supersedes`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import NamedTuple

DEMO_TITLE = "Learning Loop demo"

SEED = 20250917

TAB_HEADERS: dict[str, list[str]] = {
    "themes": ["theme_id", "quarter", "title", "owner", "team", "definition_of_good", "status"],
    "sources": [
        "source_id", "name", "kind", "theme_id", "owner", "team", "url",
        "added_on", "last_engaged_on", "pruned_on", "notes",
    ],
    "critiques": [
        "critique_id", "date", "artifact_type", "artifact", "format", "theme_id", "presenter",
        "roles", "participants", "feedback", "follow_up", "team",
    ],
    "commitments": [
        "commitment_id", "title", "kind", "audience", "theme_id", "owner", "committed_on",
        "due_on", "shipped_on", "status", "url", "team",
    ],
    "decisions": [
        "decision_id", "date", "category", "summary", "theme_id", "source_ids", "critique_ids",
        "commitment_id", "impact", "owner", "team", "status", "supersedes",
    ],
}

QUARTERS = 6  # the six quarters shown, the last one contains `today`

# --------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------

TEAM_CODES = {"Checkout": "CHK", "Growth": "GRO"}

# name -> (team, role); roles are the ones the critiques tab uses.
PEOPLE: dict[str, tuple[str, str]] = {
    "Amara Okafor": ("Checkout", "PM"),
    "Lukas Becker": ("Checkout", "Design"),
    "Priya Raman": ("Checkout", "Eng"),
    "Diego Fernandez": ("Checkout", "Data"),
    "Hannah Kim": ("Growth", "PM"),
    "Sofia Rossi": ("Growth", "Design"),
    "Jonas Weber": ("Growth", "Eng"),
    "Yusuf Demir": ("Growth", "Research"),
}

# People from outside the two teams who join meetups and workshops.
GUESTS: dict[str, str] = {
    "Mira Schulz": "Other",
    "Kwame Mensah": "Other",
}

ROLE_ORDER = ["PM", "Design", "Eng", "Data", "Research", "Other"]

# Who tends to present which kind of artifact.
PRESENTER_ROLES: dict[str, tuple[str, ...]] = {
    "experiment": ("Data", "PM", "Eng"),
    "roadmap": ("PM",),
    "discovery_plan": ("Research", "PM", "Design"),
    "prototype": ("Design", "Eng"),
    "strategy": ("PM",),
    "other": ("PM", "Design", "Eng", "Data", "Research"),
}


def team_members(team: str) -> list[str]:
    return [name for name, (t, _) in PEOPLE.items() if t == team]


def role_of(name: str) -> str:
    return PEOPLE[name][1] if name in PEOPLE else GUESTS.get(name, "Other")


# --------------------------------------------------------------------------------------
# Row specs for the hand-written tables
# --------------------------------------------------------------------------------------


class SourceSpec(NamedTuple):
    name: str
    kind: str
    url: str
    fate: str  # keep: still engaged; prune: pruned at the quarter review; dormant: forgotten
    note: str


class CommitmentSpec(NamedTuple):
    title: str
    kind: str
    audience: str
    owner: str
    outcome: str  # on_time, late, dropped, in_progress, planned


class DecisionSpec(NamedTuple):
    category: str
    summary: str
    impact: int
    status: str = "active"
    key: str | None = None  # a handle other decisions can name in `supersedes`
    supersedes: str | None = None


class ThemePlan(NamedTuple):
    team: str
    slot: int  # 0 = oldest of the six quarters, 5 = the current quarter
    title: str
    owner: str
    definition_of_good: str
    sources: tuple[SourceSpec, ...]
    artifacts: tuple[tuple[str, str], ...]  # (artifact_type, artifact) critiqued this quarter
    commitments: tuple[CommitmentSpec, ...] = ()
    decisions: tuple[DecisionSpec, ...] = ()
    status: str | None = None  # None: done for past quarters, active for the current one
    suffix: str = ""  # tells apart a second theme of the same team and quarter
    feedback: tuple[tuple[str, str], ...] = ()  # theme-specific (feedback, follow_up) pairs


# --------------------------------------------------------------------------------------
# Critique feedback, by artifact type: (feedback, follow_up)
# --------------------------------------------------------------------------------------

FEEDBACK: dict[str, tuple[tuple[str, str], ...]] = {
    "experiment": (
        ("Sample size too small to see a 2% lift; run two more weeks.",
         "Re-run the power calculation and extend the test to 28 days."),
        ("No guardrail on refund rate, so a conversion win could hide a loss later.",
         "Add refund rate and support contacts as guardrail metrics."),
        ("The hypothesis names a feature, not a change in behaviour.",
         "Rewrite it as 'We believe <change> will move <metric> for <segment>'."),
        ("Started on a Wednesday; the weekday mix skews the first readout.",
         "Run in full weeks only and restart on Monday."),
        ("Copy and layout change at once, so we can't tell which moved the metric.",
         "Split into two sequential tests."),
        ("Peeking on day three; the early lead is noise.",
         "Agree a stop date up front and don't look before it."),
        ("Mobile and desktop behave differently; the blended result hides it.",
         "Report the result per device before deciding."),
    ),
    "roadmap": (
        ("Reads as a feature list; no column says which outcome it serves.",
         "Rewrite each item as the outcome it moves."),
        ("Too much in Now; the team can carry two bets, not five.",
         "Move three items to Next and write down why."),
        ("Dates on Later items will turn into promises in sales decks.",
         "Drop dates beyond this quarter."),
        ("No link to the discovery that justifies the top item.",
         "Attach interview snapshots to the top two items."),
        ("Sprint goals don't map to any roadmap outcome.",
         "Start sprint planning from the outcome, then pick tickets."),
    ),
    "discovery_plan": (
        ("Recruiting only happy customers; we'll hear what we want to hear.",
         "Recruit from churned and stalled accounts too."),
        ("The questions ask for opinions about the future; ask about the last time instead.",
         "Rewrite the guide around specific past stories."),
        ("Eight interviews in one week and then nothing; aim for a steady weekly cadence.",
         "Book one interview a week for the rest of the quarter."),
        ("The plan doesn't say which decision it will inform.",
         "Name the decision and the date it is due."),
        ("No one from Eng is in the interviews, so feasibility questions come too late.",
         "Invite an engineer to every second interview."),
    ),
    "prototype": (
        ("Test the riskiest assumption first: will people find the entry point at all?",
         "Run five unmoderated tests on the entry point."),
        ("Too polished for this stage; people will comment on colours.",
         "Drop to grey-box wireframes for the next round."),
        ("Only the happy path; show the error and empty states.",
         "Add the failed-payment and empty states."),
        ("The layout needs a new API; check feasibility before more design work.",
         "Spike the API with Eng before the next review."),
    ),
    "strategy": (
        ("Strong diagnosis, but the guiding policy tries to do everything.",
         "Pick one policy and list what we will not do."),
        ("Missing the finance view; they will ask about margin first.",
         "Pre-wire the finance lead before the steering meeting."),
        ("Good framing; it needs a metric that shows within six weeks whether it works.",
         "Add a leading indicator and a check-in date."),
        ("Sales will read this as a price cut; say what stays the same.",
         "Add a one-paragraph FAQ for account executives."),
    ),
    "other": (
        ("Useful, but nobody owns keeping it up to date.",
         "Name an owner and a monthly review slot."),
        ("Too long to use in a sprint; cut it to one page.",
         "Trim to a one-page template."),
        ("Good start; the other team could reuse this.",
         "Share it in the product channel."),
        ("Clusters are labelled by feature, not by customer need.",
         "Relabel the clusters as needs and re-rank them."),
    ),
}

EVALS_FEEDBACK: tuple[tuple[str, str], ...] = (
    ("Graders disagree on a fifth of the cases; write the rubric before growing the set.",
     "Two people label the same 40 traces and reconcile the differences."),
    ("Pass rate looks great because the set is easy; add the messy questions from support.",
     "Pull 30 hard cases from last month's tickets."),
    ("Start with error analysis, not a metric: read the traces and name the failures first.",
     "Read and tag 100 traces before the next circle."),
    ("The LLM judge uses a 1-5 scale nobody can explain; make it pass/fail.",
     "Switch the judge to binary and check it against human labels."),
)

# --------------------------------------------------------------------------------------
# The playbook, quarter by quarter (slot 0 is the oldest quarter, slot 5 the current one)
# --------------------------------------------------------------------------------------

THEME_PLANS: tuple[ThemePlan, ...] = (
    # ---- Checkout: runs the playbook well ------------------------------------------------
    ThemePlan(
        "Checkout", 0, "Pricing and packaging of checkout add-ons", "Amara Okafor",
        "Every price test has a written hypothesis, a minimum detectable effect and a stop date "
        "before it goes live.",
        sources=(
            SourceSpec("Monetizing Innovation (Madhavan Ramanujam)", "book",
                       "https://www.simon-kucher.com", "keep",
                       "Willingness-to-pay conversations before building an add-on."),
            SourceSpec("Kyle Poyar, Growth Unhinged", "newsletter", "https://www.growthunhinged.com",
                       "prune", "Packaging benchmarks; mostly SaaS, less useful for retail."),
            SourceSpec("Paddle pricing blog", "blog", "https://www.paddle.com/blog", "prune",
                       "Value-metric framing; pruned once the add-on tiers were set."),
            SourceSpec("Baymard Institute checkout benchmark", "other", "https://baymard.com",
                       "keep", "Benchmark of checkout UX patterns; used in every redesign."),
            SourceSpec("Price Intelligently community", "community", "https://www.paddle.com/resources",
                       "keep", "Pricing practitioners' threads; a quick sanity check before each test."),
        ),
        artifacts=(
            ("experiment", "Extended warranty price test: 9.99 vs 12.99"),
            ("discovery_plan", "Willingness-to-pay interviews for gift wrapping"),
            ("prototype", "Bundle selector prototype in the cart"),
            ("strategy", "Add-on packaging: three tiers or à la carte"),
            ("experiment", "Express shipping fee test: flat 4.90 vs free over 50"),
        ),
        commitments=(
            CommitmentSpec("Guide: how we price checkout add-ons", "guide", "internal",
                           "Amara Okafor", "on_time"),
            CommitmentSpec("Post: what a warranty price test taught us about anchoring", "post",
                           "public", "Diego Fernandez", "on_time"),
        ),
        decisions=(
            DecisionSpec("decision", "Keep extended warranty at 9.99; the 12.99 variant cut the "
                         "attach rate by a third", 3),
            DecisionSpec("discovery_cadence", "Run five willingness-to-pay interviews before any "
                         "new add-on price goes live", 4),
            DecisionSpec("bet", "Bet on a 'Gift ready' add-on that bundles gift wrap with express "
                         "shipping", 4),
            DecisionSpec("decision", "Show add-on prices including VAT in the cart", 2),
            DecisionSpec("decision", "Log hypothesis, minimum detectable effect and stop date for "
                         "every price test before launch", 5),
            DecisionSpec("bet", "Fold the stand-alone insurance add-on into the premium tier", 2),
        ),
    ),
    ThemePlan(
        "Checkout", 1, "Continuous discovery for payment methods", "Lukas Becker",
        "One shopper interview every week, and the opportunity solution tree updated after each.",
        sources=(
            SourceSpec("Teresa Torres", "person", "https://www.producttalk.org", "keep",
                       "Opportunity solution trees and interview snapshots."),
            SourceSpec("Continuous Discovery Habits (Teresa Torres)", "book",
                       "https://www.producttalk.org", "keep", "Read as a team, one chapter a week."),
            SourceSpec("Interviewing Users (Steve Portigal)", "book", "https://portigal.com", "prune",
                       "Good on follow-up questions; one read was enough."),
            SourceSpec("All Things Product podcast", "podcast", "https://www.producttalk.org", "keep",
                       "Teresa Torres and Petra Wille; the episode on curation started our PLN."),
        ),
        artifacts=(
            ("discovery_plan", "Interview plan: shoppers who abandon at the payment step"),
            ("prototype", "Pay-later option placement prototype"),
            ("experiment", "PayPal button above the card form"),
            ("other", "Opportunity solution tree for failed payments"),
        ),
        commitments=(
            CommitmentSpec("Talk at Product Tank Hamburg: interviewing shoppers who abandon checkout",
                           "talk", "public", "Lukas Becker", "on_time"),
            CommitmentSpec("Guide: interview snapshot template", "guide", "internal",
                           "Lukas Becker", "on_time"),
        ),
        decisions=(
            DecisionSpec("discovery_cadence", "Interview one shopper every week, recruited from the "
                         "order-confirmation page", 4, status="superseded", key="chk-recruiting"),
            DecisionSpec("decision", "Move the PayPal button above the card form for returning "
                         "PayPal users only", 3),
            DecisionSpec("bet", "Bet on pay-later for baskets over 150", 4),
            DecisionSpec("discovery_cadence", "Share interview snapshots in the circle before "
                         "deciding, not after", 3),
            DecisionSpec("decision", "Park saved-card management until interviews show demand", 3),
            DecisionSpec("decision", "Add failed-payment reason codes to the checkout funnel "
                         "dashboard", 2),
        ),
    ),
    ThemePlan(
        "Checkout", 2, "Product roadmapping and sprint planning", "Amara Okafor",
        "The payments roadmap is framed as outcomes in Now/Next/Later, and every sprint goal "
        "traces to one of them.",
        sources=(
            SourceSpec("Petra Wille", "person", "https://www.petra-wille.com", "keep",
                       "Coaching material on roadmaps and product communities."),
            SourceSpec("ProdPad blog on Now-Next-Later roadmaps", "blog", "https://www.prodpad.com/blog",
                       "prune", "Template adopted; no need to keep reading."),
            SourceSpec("Shape Up (Basecamp)", "book", "https://basecamp.com/shapeup", "prune",
                       "Appetite instead of estimates; tried it for one cycle."),
            SourceSpec("Product Tank Hamburg", "event", "https://www.mindtheproduct.com", "keep",
                       "Monthly meetup; good place to test a talk."),
            SourceSpec("Strong Product Communities (Petra Wille)", "book", "https://www.petra-wille.com",
                       "keep", "How to run the peer circle so it keeps going after the first month."),
        ),
        artifacts=(
            ("roadmap", "Payments Now/Next/Later roadmap draft"),
            ("roadmap", "H2 checkout roadmap: outcomes instead of features"),
            ("other", "Sprint goal template tied to roadmap outcomes"),
            ("strategy", "Checkout north-star metric proposal"),
        ),
        commitments=(
            CommitmentSpec("Workshop: outcome roadmaps for the payments squad", "workshop",
                           "internal", "Amara Okafor", "late"),
            CommitmentSpec("Monthly roadmap office hours for sales and support", "other", "internal",
                           "Amara Okafor", "on_time"),
        ),
        decisions=(
            DecisionSpec("decision", "Publish the payments roadmap as Now/Next/Later with no dates "
                         "beyond this quarter", 5),
            DecisionSpec("discovery_cadence", "Open each sprint planning with the outcome it moves "
                         "and the discovery behind it", 4),
            DecisionSpec("decision", "Limit Now to two bets and move three items to Next", 4),
            DecisionSpec("bet", "Bet on one-click reorder for repeat customers", 3),
            DecisionSpec("decision", "Retire the feature-count slide from the quarterly review", 2),
            DecisionSpec("discovery_cadence", "Review the roadmap in the peer circle every month", 3),
        ),
    ),
    ThemePlan(
        "Checkout", 3, "Experimentation rigour", "Diego Fernandez",
        "No test is called early; every readout states power, guardrails and the decision taken.",
        sources=(
            SourceSpec("Trustworthy Online Controlled Experiments (Kohavi, Tang, Xu)", "book",
                       "https://experimentguide.com", "keep", "The team's reference for guardrails."),
            SourceSpec("Evan Miller's sample size calculator", "other", "https://www.evanmiller.org",
                       "keep", "Used before every launch."),
            SourceSpec("Lukas Vermeer", "person", "https://www.lukasvermeer.nl", "prune",
                       "Talks on experimentation culture; pruned after the readout template shipped."),
            SourceSpec("Product at Heart conference", "event", "https://productatheart.com", "keep",
                       "Hamburg conference; two of us go every year."),
        ),
        artifacts=(
            ("experiment", "Address autocomplete A/B test readout"),
            ("experiment", "One-page vs multi-step checkout experiment design"),
            ("other", "Guardrail metrics list for checkout tests"),
            ("prototype", "Experiment readout dashboard mock"),
        ),
        commitments=(
            CommitmentSpec("Post: why we stopped peeking at A/B tests", "post", "public",
                           "Diego Fernandez", "on_time"),
            CommitmentSpec("Internal course: experiment readouts 101", "course", "internal",
                           "Diego Fernandez", "on_time"),
        ),
        decisions=(
            DecisionSpec("decision", "No early calls: every test runs to its agreed stop date", 5),
            DecisionSpec("decision", "Refund rate and support contacts are guardrails on every "
                         "checkout test", 4),
            DecisionSpec("discovery_cadence", "Recruit interviewees with an in-app intercept instead "
                         "of the confirmation page; one interview a week continues", 3,
                         supersedes="chk-recruiting"),
            DecisionSpec("bet", "Roll out address autocomplete after a 1.8% lift in completed "
                         "checkouts", 4),
            DecisionSpec("decision", "Stop the one-page checkout variant; mobile completion fell", 3),
            DecisionSpec("discovery_cadence", "Pair every experiment readout with two customer "
                         "interviews", 3),
        ),
    ),
    ThemePlan(
        "Checkout", 4, "Stakeholder management with finance and risk", "Amara Okafor",
        "Finance and risk hear about checkout changes before steering meetings, never in them.",
        sources=(
            SourceSpec("Strong Product Communities (Petra Wille)", "book", "https://www.petra-wille.com",
                       "keep", "Chapters on stakeholder communities."),
            SourceSpec("Melissa Perri", "person", "https://melissaperri.com", "prune",
                       "Product operations and exec communication."),
            SourceSpec("Lenny's Podcast", "podcast", "https://www.lennysnewsletter.com/podcast", "keep",
                       "Episodes on working with finance."),
            SourceSpec("Mind the Product community", "community", "https://www.mindtheproduct.com",
                       "keep", "Slack threads on stakeholder maps."),
        ),
        artifacts=(
            ("strategy", "Fraud-rule change proposal for finance and risk"),
            ("roadmap", "Roadmap review deck for the finance steering group"),
            ("discovery_plan", "Discovery plan: why finance escalates refund requests"),
            ("other", "Stakeholder map for the checkout redesign"),
        ),
        commitments=(
            CommitmentSpec("Talk at Product at Heart: saying no to finance without losing trust",
                           "talk", "public", "Amara Okafor", "on_time"),
            CommitmentSpec("Guide: stakeholder map template", "guide", "internal",
                           "Amara Okafor", "late"),
        ),
        decisions=(
            DecisionSpec("decision", "Send finance and risk a monthly one-page update instead of "
                         "ad-hoc decks", 4),
            DecisionSpec("discovery_cadence", "Invite a fraud analyst to the peer circle once a "
                         "quarter", 3),
            DecisionSpec("bet", "Bet on 3-D Secure exemptions for low-risk baskets", 5),
            DecisionSpec("decision", "Agree one fraud-vs-conversion metric with risk", 4),
            DecisionSpec("decision", "Pre-wire roadmap changes with the finance lead a week before "
                         "steering", 3),
            DecisionSpec("bet", "Pause loyalty points at checkout; finance sees no margin case", 2),
        ),
    ),
    ThemePlan(
        "Checkout", 5, "AI evals for the checkout assistant", "Priya Raman",
        "Every prompt change runs against a graded eval set, with error analysis, before release.",
        sources=(
            SourceSpec("Hamel's Blog", "blog", "https://hamel.dev", "keep",
                       "Posts on error analysis and LLM judges."),
            SourceSpec("AI Evals for Engineers and PMs (Hamel Husain, Maven)", "course",
                       "https://maven.com/parlance-labs/evals", "keep",
                       "Priya and Amara take it together."),
            SourceSpec("Eugene Yan", "person", "https://eugeneyan.com", "keep",
                       "Writing on LLM evaluation patterns."),
            SourceSpec("Simon Willison's Weblog", "blog", "https://simonwillison.net", "keep",
                       "Hands-on notes on prompts and tools."),
        ),
        artifacts=(
            ("other", "Error analysis of 50 failed assistant traces"),
            ("experiment", "Eval set v1: 120 real support questions, graded"),
            ("prototype", "Checkout assistant prototype: order-status answers"),
            ("discovery_plan", "Discovery plan: where shoppers ask for help in checkout"),
        ),
        feedback=EVALS_FEEDBACK,
        commitments=(
            CommitmentSpec("Guide: building an eval set for a shopping assistant", "guide", "public",
                           "Priya Raman", "in_progress"),
        ),
        decisions=(
            DecisionSpec("discovery_cadence", "Read 50 assistant traces every week before changing "
                         "prompts", 4),
            DecisionSpec("decision", "Gate every prompt change on the eval set; no release below a "
                         "90% pass rate", 5),
            DecisionSpec("bet", "Bet on the assistant for order-status questions only, not returns", 3),
        ),
    ),
    # ---- Growth: cadence gaps ------------------------------------------------------------
    ThemePlan(
        "Growth", 0, "Activation discovery: why trials stall", "Yusuf Demir",
        "Five stalled trial users interviewed a month, and every onboarding change tied to an "
        "opportunity.",
        sources=(
            SourceSpec("Product Talk blog", "blog", "https://www.producttalk.org", "keep",
                       "Interview snapshots and opportunity mapping."),
            SourceSpec("Just Enough Research (Erika Hall)", "book", "https://www.muledesign.com",
                       "dormant", "Half read."),
            SourceSpec("Elena Verna", "newsletter", "https://www.elenaverna.com", "dormant",
                       "Growth loops and activation metrics."),
        ),
        artifacts=(
            ("discovery_plan", "Interview plan: trial users who never invite a teammate"),
            ("experiment", "Onboarding checklist experiment"),
            ("other", "Opportunity solution tree for stalled trials"),
            ("prototype", "Empty-state prototype for the first project"),
        ),
        commitments=(
            CommitmentSpec("Post: five reasons trials stall", "post", "public", "Yusuf Demir", "late"),
        ),
        decisions=(
            DecisionSpec("discovery_cadence", "Interview five stalled trial users every month", 3),
            DecisionSpec("decision", "Replace the onboarding checklist with a sample project", 4),
            DecisionSpec("bet", "Bet on the first teammate invite as the activation moment", 4),
            DecisionSpec("decision", "Drop the product tour video from day one", 2),
        ),
    ),
    ThemePlan(
        "Growth", 1, "Pricing page and annual plans", "Hannah Kim",
        "We know the price sensitivity of our three segments well enough to defend the annual "
        "discount.",
        sources=(
            SourceSpec("Lenny's Newsletter", "newsletter", "https://www.lennysnewsletter.com", "keep",
                       "Pricing page teardown posts."),
            SourceSpec("Reforge monetization program", "course", "https://www.reforge.com", "dormant",
                       "Two of six modules done."),
            SourceSpec("Nielsen Norman Group", "blog", "https://www.nngroup.com", "prune",
                       "Pricing page usability articles."),
            SourceSpec("Patrick Campbell", "person", "https://www.paddle.com/blog", "dormant",
                       "Pricing research talks."),
        ),
        artifacts=(
            ("experiment", "Pricing page A/B test: annual plan anchor"),
            ("experiment", "Pricing page test: 'Most popular' badge on the Team plan"),
            ("strategy", "Annual discount: 15% off vs two months free"),
            ("prototype", "Plan comparison table prototype"),
        ),
        commitments=(
            CommitmentSpec("Workshop: pricing page teardown with sales", "workshop", "internal",
                           "Hannah Kim", "on_time"),
            CommitmentSpec("Post: annual vs monthly on the pricing page", "post", "public",
                           "Hannah Kim", "late"),
        ),
        decisions=(
            DecisionSpec("bet", "Default the pricing page toggle to annual billing", 3,
                         status="reverted", key="gro-annual-default"),
            DecisionSpec("decision", "Anchor the annual plan with 'two months free' rather than "
                         "15% off", 3),
            DecisionSpec("decision", "Add the 'Most popular' badge to the Team plan", 2),
            DecisionSpec("discovery_cadence", "Review pricing page tests with sales every month", 2),
        ),
    ),
    ThemePlan(
        "Growth", 2, "Referral loops", "Jonas Weber",
        "A referral experiment live with a clear target for invites per new account.",
        status="dropped",
        sources=(
            SourceSpec("Andrew Chen", "blog", "https://andrewchen.com", "dormant",
                       "Network effects essays."),
            SourceSpec("Brian Balfour", "person", "https://brianbalfour.com", "dormant",
                       "Growth loops framing."),
            SourceSpec("The Product Experience podcast", "podcast", "https://www.mindtheproduct.com",
                       "prune", "Episode on referral programs."),
        ),
        artifacts=(
            ("experiment", "Referral credit experiment design"),
            ("strategy", "Referral loop strategy one-pager"),
        ),
        commitments=(
            CommitmentSpec("Talk: referral loops that don't feel spammy", "talk", "public",
                           "Jonas Weber", "dropped"),
        ),
        decisions=(),  # the theme was dropped mid-quarter and nobody wrote it up
    ),
    ThemePlan(
        "Growth", 3, "Experiment design and sample sizes", "Jonas Weber",
        "Every growth test has a sample-size calculation and runs in full weeks.",
        sources=(
            SourceSpec("Statsig blog", "blog", "https://www.statsig.com/blog", "keep",
                       "Practical notes on power and variance reduction."),
            SourceSpec("Accelerating Innovation with A/B Testing (Ronny Kohavi)", "course",
                       "https://maven.com", "prune", "Course finished; notes in the wiki."),
            SourceSpec("Experimentation community of practice", "community",
                       "https://www.mindtheproduct.com", "dormant", "Joined, never posted."),
        ),
        artifacts=(
            ("experiment", "Signup form test: drop the company-size field"),
            ("experiment", "Trial length test: 14 vs 30 days"),
            ("other", "Sample-size calculator walkthrough"),
            ("roadmap", "Growth experiment backlog for the quarter"),
        ),
        commitments=(
            CommitmentSpec("Guide: sample-size cheat sheet", "guide", "internal", "Jonas Weber", "late"),
        ),
        decisions=(
            DecisionSpec("decision", "Revert the pricing page default to monthly billing; refund "
                         "requests doubled", 4, supersedes="gro-annual-default"),
            DecisionSpec("decision", "Every growth test gets a sample-size calculation before "
                         "launch", 5),
            DecisionSpec("decision", "Remove the company-size field from signup", 3),
            DecisionSpec("discovery_cadence", "Run growth tests in full weeks only", 3),
        ),
    ),
    ThemePlan(
        "Growth", 4, "Stakeholder management with sales", "Hannah Kim",
        "Sales hears about pricing and packaging changes two weeks before launch, with a "
        "one-page brief.",
        sources=(
            SourceSpec("Mind the Product Leadership Forum talks", "event", "https://www.mindtheproduct.com",
                       "keep", "Recordings on cross-functional alignment."),
            SourceSpec("Escaping the Build Trap (Melissa Perri)", "book", "https://melissaperri.com",
                       "keep", "Outcome language for sales conversations."),
            SourceSpec("Sales-led vs product-led growth threads", "other", "https://www.reforge.com",
                       "prune", "Bookmarked threads; noisy."),
        ),
        artifacts=(
            ("strategy", "Sales-assist handoff proposal"),
            ("roadmap", "Pricing and packaging roadmap for the sales kickoff"),
            ("discovery_plan", "Discovery plan: deals lost on price"),
        ),
        commitments=(
            CommitmentSpec("Course: discovery basics for account executives", "course", "internal",
                           "Yusuf Demir", "on_time"),
        ),
        decisions=(
            DecisionSpec("decision", "Brief sales two weeks before any pricing or packaging change", 4),
            DecisionSpec("bet", "Bet on a sales-assist handoff for teams over 20 seats", 4),
            DecisionSpec("discovery_cadence", "Join two sales calls a month to hear price objections "
                         "first-hand", 3),
        ),
    ),
    ThemePlan(
        "Growth", 5, "Product-led onboarding", "Sofia Rossi",
        "Time-to-first-value is measured per segment, and the worst drop-off step has an owner "
        "and an experiment.",
        sources=(
            SourceSpec("Product-Led Growth (Wes Bush)", "book", "https://productled.com", "keep",
                       "Bowling alley framework for onboarding."),
            SourceSpec("Appcues blog", "blog", "https://www.appcues.com/blog", "keep",
                       "Onboarding pattern library."),
            SourceSpec("Lenny's Podcast onboarding episodes", "podcast",
                       "https://www.lennysnewsletter.com/podcast", "keep", "Shared in the team channel."),
        ),
        artifacts=(
            ("prototype", "Guided setup prototype with sample data"),
            ("experiment", "Welcome email sequence test: 3 vs 5 emails"),
            ("discovery_plan", "Discovery plan: time-to-first-value by segment"),
            ("roadmap", "Onboarding roadmap: Now/Next/Later"),
        ),
        commitments=(
            CommitmentSpec("Post: what our onboarding funnel taught us", "post", "public",
                           "Sofia Rossi", "planned"),
        ),
        decisions=(
            DecisionSpec("decision", "Show time-to-first-value per segment on the onboarding "
                         "dashboard", 3),
            DecisionSpec("bet", "Bet on guided setup with sample data for new workspaces", 4),
        ),
    ),
    ThemePlan(
        "Growth", 5, "Personal knowledge management for research", "Yusuf Demir",
        "Research notes searchable in one place, and every insight linked to the interview it "
        "came from.",
        status="planned",
        suffix="2",
        sources=(
            SourceSpec("Harold Jarche's Personal Knowledge Management workshop", "course",
                       "https://jarche.com", "keep", "Seek, sense, share; starts next month."),
        ),
        artifacts=(),
    ),
)

# Sources that belong to no single theme; (team, owner, slot, day in quarter, spec).
EVERGREEN_SOURCES: tuple[tuple[str, str, int, int, SourceSpec], ...] = (
    ("Checkout", "Amara Okafor", 0, 3,
     SourceSpec("Mind the Product", "community", "https://www.mindtheproduct.com", "keep",
                "Where the team finds talks and peers outside the company.")),
    ("Growth", "Hannah Kim", 0, 12,
     SourceSpec("Product Tank Hamburg meetup", "community", "https://www.mindtheproduct.com", "dormant",
                "Went twice in the first quarter.")),
)

# Critiques outside the monthly peer circles:
# (slot, month in quarter, day, team, format, artifact_type, artifact, presenter, others, themed)
EXTRA_CRITIQUES: tuple[tuple[int, int, int, str, str, str, str, str, tuple[str, ...], bool], ...] = (
    (0, 1, 14, "Checkout", "hackathon", "prototype", "Hack week: one-tap Apple Pay prototype",
     "Priya Raman", ("Lukas Becker", "Jonas Weber", "Amara Okafor"), False),
    (1, 1, 9, "Growth", "meetup", "experiment", "Product Tank Hamburg: pricing page teardown",
     "Hannah Kim", ("Sofia Rossi", "Mira Schulz"), True),
    (2, 2, 6, "Checkout", "workshop", "roadmap", "Product at Heart workshop: roadmap critique",
     "Amara Okafor", ("Lukas Becker", "Priya Raman", "Kwame Mensah"), True),
    (3, 0, 22, "Growth", "other", "experiment", "Async review: trial length test write-up",
     "Jonas Weber", ("Hannah Kim",), True),
    (4, 1, 18, "Growth", "hackathon", "prototype", "Hack day: invite flow without referral credits",
     "Jonas Weber", ("Sofia Rossi", "Priya Raman"), False),
    (5, 0, 20, "Checkout", "meetup", "experiment",
     "Product Tank Hamburg: eval set for a shopping assistant",
     "Priya Raman", ("Amara Okafor", "Mira Schulz", "Kwame Mensah"), True),
)

# Months (0-based over the 18 months shown) in which Growth held no critique.
GROWTH_GAP_MONTHS = frozenset({2, 7, 8, 12})

# --------------------------------------------------------------------------------------
# Calendar helpers
# --------------------------------------------------------------------------------------


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_label(start: dt.date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


class Calendar:
    """The six quarters shown, oldest first, relative to `today`."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        current = quarter_start(today)
        self.starts = [add_months(current, 3 * (slot - QUARTERS + 1)) for slot in range(QUARTERS)]

    def start(self, slot: int) -> dt.date:
        return self.starts[slot]

    def end(self, slot: int) -> dt.date:
        return add_months(self.starts[slot], 3) - dt.timedelta(days=1)

    def label(self, slot: int) -> str:
        return quarter_label(self.starts[slot])

    def day(self, slot: int, offset: int) -> dt.date:
        """The date `offset` days into the quarter, clamped to the quarter's last day."""
        return min(self.start(slot) + dt.timedelta(days=offset), self.end(slot))

    def happened(self, day: dt.date) -> bool:
        return day <= self.today


def theme_id(cal: Calendar, plan: ThemePlan) -> str:
    return f"T-{cal.label(plan.slot).replace('-', '')}-{TEAM_CODES[plan.team]}{plan.suffix}"


def primary_plan(team: str, slot: int) -> ThemePlan:
    return next(p for p in THEME_PLANS if p.team == team and p.slot == slot and not p.suffix)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def join(items: list[str]) -> str:
    return ", ".join(items)


# --------------------------------------------------------------------------------------
# Generators, one per tab; each returns dict rows keyed by the tab's headers
# --------------------------------------------------------------------------------------


def make_themes(cal: Calendar) -> list[dict[str, object]]:
    rows = []
    for plan in sorted(THEME_PLANS, key=lambda p: (p.slot, p.team, p.suffix)):
        status = plan.status or ("active" if plan.slot == QUARTERS - 1 else "done")
        rows.append({
            "theme_id": theme_id(cal, plan),
            "quarter": cal.label(plan.slot),
            "title": plan.title,
            "owner": plan.owner,
            "team": plan.team,
            "definition_of_good": plan.definition_of_good,
            "status": status,
        })
    return rows


def _source_row(cal: Calendar, rng: random.Random, spec: SourceSpec, slot: int, added_offset: int,
                owner: str, team: str, tid: str | None) -> dict[str, object] | None:
    added = cal.day(slot, added_offset)
    recent = rng.randint(0, 25)
    engaged_after = rng.randint(5, 40)
    review = rng.randint(75, 85)  # the quarter-end review where sources get pruned
    if not cal.happened(added):
        return None
    pruned = None
    if spec.fate == "keep":
        last = max(added, cal.today - dt.timedelta(days=recent))
    else:
        last = min(added + dt.timedelta(days=engaged_after), cal.end(slot), cal.today)
        review_day = max(cal.day(slot, review), last)
        if spec.fate == "prune" and cal.happened(review_day):
            pruned = review_day
    return {
        "name": spec.name, "kind": spec.kind, "theme_id": tid, "owner": owner, "team": team,
        "url": spec.url, "added_on": added, "last_engaged_on": last, "pruned_on": pruned,
        "notes": spec.note,
    }


def make_sources(cal: Calendar) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-sources")
    rows = []
    for plan in THEME_PLANS:
        members = team_members(plan.team)
        for index, spec in enumerate(plan.sources):
            owner = plan.owner if index == 0 else rng.choice(members)
            offset = 0 if index == 0 else 6 + 12 * index + rng.randint(0, 5)
            row = _source_row(cal, rng, spec, plan.slot, offset, owner, plan.team, theme_id(cal, plan))
            if row:
                rows.append(row)
    for team, owner, slot, offset, spec in EVERGREEN_SOURCES:
        row = _source_row(cal, rng, spec, slot, offset, owner, team, None)
        if row:
            rows.append(row)
    rows.sort(key=lambda r: (r["added_on"], r["team"], r["name"]))
    for number, row in enumerate(rows, start=1):
        row["source_id"] = f"S-{number:03d}"
    return rows


def _pick_presenter(rng: random.Random, team: str, artifact_type: str) -> str:
    members = team_members(team)
    preferred = [m for m in members if role_of(m) in PRESENTER_ROLES[artifact_type]]
    return rng.choice(preferred or members)


def _roles(participants: list[str]) -> str:
    present = {role_of(name) for name in participants}
    return join([role for role in ROLE_ORDER if role in present])


def _circle_participants(rng: random.Random, team: str, presenter: str) -> list[str]:
    others = [m for m in team_members(team) if m != presenter]
    if team == "Checkout":
        # PM, Design and Eng are always in the room; the data person joins most months.
        keep = [m for m in others if role_of(m) in ("PM", "Design", "Eng") or rng.random() < 0.7]
    else:
        # Growth's circle is thinner: one or two people show up.
        keep = rng.sample(others, rng.randint(1, 2))
        keep.sort(key=others.index)
    return [presenter, *keep]


def _feedback(rng: random.Random, plan: ThemePlan | None, artifact_type: str) -> tuple[str, str]:
    pool = plan.feedback if plan and plan.feedback else FEEDBACK[artifact_type]
    return rng.choice(pool)


def _peer_circle_critiques(cal: Calendar, rng: random.Random, team: str) -> list[dict[str, object]]:
    rows = []
    for month in range(3 * QUARTERS):
        slot = month // 3
        plan = primary_plan(team, slot)
        first = add_months(cal.start(0), month)
        month_days = (add_months(first, 1) - first).days
        if team == "Checkout":
            count = rng.randint(3, 4)
        else:
            count = 0 if month in GROWTH_GAP_MONTHS else rng.randint(2, 3)
        for i in range(count):
            day = min(2 + i * (26 // count) + rng.randint(0, 4), month_days)
            artifact_type, artifact = plan.artifacts[(3 * (month % 3) + i) % len(plan.artifacts)]
            presenter = _pick_presenter(rng, team, artifact_type)
            participants = _circle_participants(rng, team, presenter)
            feedback, follow_up = _feedback(rng, plan, artifact_type)
            skip_follow_up = team == "Growth" and rng.random() < 0.35
            date = first + dt.timedelta(days=day - 1)
            if not cal.happened(date):
                continue
            rows.append({
                "date": date, "artifact_type": artifact_type, "artifact": artifact,
                "format": "peer_circle", "theme_id": theme_id(cal, plan), "presenter": presenter,
                "roles": _roles(participants), "participants": join(participants),
                "feedback": feedback, "follow_up": None if skip_follow_up else follow_up, "team": team,
            })
    return rows


def _extra_critiques(cal: Calendar, rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for slot, month, day, team, fmt, artifact_type, artifact, presenter, others, themed in EXTRA_CRITIQUES:
        plan = primary_plan(team, slot)
        first = add_months(cal.start(slot), month)
        date = min(first + dt.timedelta(days=day - 1), add_months(first, 1) - dt.timedelta(days=1))
        feedback, follow_up = _feedback(rng, plan if themed else None, artifact_type)
        if not cal.happened(date):
            continue
        participants = [presenter, *others]
        rows.append({
            "date": date, "artifact_type": artifact_type, "artifact": artifact, "format": fmt,
            "theme_id": theme_id(cal, plan) if themed else None, "presenter": presenter,
            "roles": _roles(participants), "participants": join(participants),
            "feedback": feedback, "follow_up": follow_up, "team": team,
        })
    return rows


def make_critiques(cal: Calendar) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-critiques")
    rows = _peer_circle_critiques(cal, rng, "Checkout") + _peer_circle_critiques(cal, rng, "Growth")
    rows += _extra_critiques(cal, rng)
    rows.sort(key=lambda r: (r["date"], r["team"], r["presenter"]))
    for number, row in enumerate(rows, start=1):
        row["critique_id"] = f"C-{number:03d}"
    return rows


def _commitment_url(spec: CommitmentSpec) -> str:
    slug = slugify(spec.title.split(":", 1)[-1])
    if spec.audience == "internal":
        return f"https://wiki.example.com/learning/{slug}"
    if spec.kind == "talk":
        return f"https://slides.example.com/{slug}"
    return f"https://blog.example.com/{slug}"


def make_commitments(cal: Calendar) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-commitments")
    rows = []
    for plan in THEME_PLANS:
        for index, spec in enumerate(plan.commitments):
            committed = cal.day(plan.slot, 5 + 10 * index + rng.randint(0, 4))
            due = cal.day(plan.slot, 52 + 12 * index + rng.randint(0, 6))
            early, delay = rng.randint(0, 8), rng.randint(6, 12)
            shipped = None
            status = {"on_time": "shipped", "late": "shipped"}.get(spec.outcome, spec.outcome)
            if spec.outcome == "on_time":
                shipped = max(due - dt.timedelta(days=early), committed)
            elif spec.outcome == "late":
                shipped = min(due + dt.timedelta(days=delay), cal.end(plan.slot))
            elif spec.outcome in ("planned", "in_progress"):
                # Still open: committed early this quarter, no due date set yet, so nothing in
                # the tab is dated after today.
                committed, due = min(committed, cal.today), None
            rows.append({
                "title": spec.title, "kind": spec.kind, "audience": spec.audience,
                "theme_id": theme_id(cal, plan), "owner": spec.owner, "committed_on": committed,
                "due_on": due, "shipped_on": shipped, "status": status,
                "url": _commitment_url(spec) if shipped else None, "team": plan.team,
            })
    rows.sort(key=lambda r: (r["committed_on"], r["team"], r["title"]))
    for number, row in enumerate(rows, start=1):
        row["commitment_id"] = f"CM-{number:03d}"
    return rows


def _traces(rng: random.Random, team: str, candidates: list[str], p_checkout: float,
            p_growth: float, most: int) -> list[str]:
    chance = rng.random()
    size = rng.randint(1, most)
    picked = rng.sample(candidates, min(size, len(candidates))) if candidates else []
    if chance >= (p_checkout if team == "Checkout" else p_growth):
        return []
    return sorted(picked)


def make_decisions(cal: Calendar, sources: list[dict[str, object]], critiques: list[dict[str, object]],
                   commitments: list[dict[str, object]]) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-decisions")
    rows = []
    for plan in THEME_PLANS:
        tid = theme_id(cal, plan)
        count = len(plan.decisions)
        for index, spec in enumerate(plan.decisions):
            offset = 14 + round(index * 72 / max(count - 1, 1)) + rng.randint(0, 3)
            date = cal.day(plan.slot, offset)
            owner = plan.owner if index == 0 else rng.choice(team_members(plan.team))
            source_pool = [s["source_id"] for s in sources
                           if s["added_on"] <= date and (s["theme_id"] == tid or
                                                         (s["theme_id"] is None and s["team"] == plan.team))]
            critique_pool = [c["critique_id"] for c in critiques
                             if c["team"] == plan.team and cal.start(plan.slot) <= c["date"] <= date][-4:]
            commitment_pool = [c["commitment_id"] for c in commitments
                               if c["theme_id"] == tid and c["committed_on"] <= date]
            source_ids = _traces(rng, plan.team, source_pool, 0.9, 0.5, 2)
            critique_ids = _traces(rng, plan.team, critique_pool, 0.85, 0.45, 2)
            commitment_ids = _traces(rng, plan.team, commitment_pool, 0.4, 0.2, 1)
            if not cal.happened(date):
                continue
            rows.append({
                "date": date, "category": spec.category, "summary": spec.summary, "theme_id": tid,
                "source_ids": join(source_ids) or None, "critique_ids": join(critique_ids) or None,
                "commitment_id": commitment_ids[0] if commitment_ids else None,
                "impact": spec.impact, "owner": owner, "team": plan.team, "status": spec.status,
                "key": spec.key, "supersedes": spec.supersedes,
            })
    rows.sort(key=lambda r: (r["date"], r["team"], r["summary"]))
    ids_by_key = {}
    for number, row in enumerate(rows, start=1):
        row["decision_id"] = f"D-{number:03d}"
        if row["key"]:
            ids_by_key[row["key"]] = row["decision_id"]
    for row in rows:
        row["supersedes"] = ids_by_key.get(row["supersedes"]) if row["supersedes"] else None
    return rows


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def _as_tab(name: str, rows: list[dict[str, object]]) -> list[list[object]]:
    header = TAB_HEADERS[name]
    return [list(header), *([row[column] for column in header] for row in rows)]


def demo_tabs(today: dt.date | None = None) -> dict[str, list[list[object]]]:
    """The demo workbook as raw tabs: tab title -> rows, row 0 the header row.

    Covers the six calendar quarters ending with the quarter that contains `today`
    (default: `datetime.date.today()`); nothing is dated after `today`. Deterministic:
    the same `today` always gives the same tabs.
    """
    if today is None:
        today = dt.date.today()
    elif isinstance(today, dt.datetime):
        today = today.date()
    cal = Calendar(today)
    sources = make_sources(cal)
    critiques = make_critiques(cal)
    commitments = make_commitments(cal)
    decisions = make_decisions(cal, sources, critiques, commitments)
    return {
        "themes": _as_tab("themes", make_themes(cal)),
        "sources": _as_tab("sources", sources),
        "critiques": _as_tab("critiques", critiques),
        "commitments": _as_tab("commitments", commitments),
        "decisions": _as_tab("decisions", decisions),
    }
