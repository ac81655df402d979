"""Hand-written news prose and page furniture for the passage-matching tests (issue 16).

Every story, site and name here is fictional, written for these tests. The texts are shaped like real crawled
pages flattened to text: one line per paragraph, blank lines between paragraphs, and furniture as the short
lines a scraper keeps (section menus, title-cased headline lists, affiliate disclaimers, newsletter pitches,
"Most Read" blocks, copyright lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import copydesk

# ----------------------------------------------------------------------------------------------------------
# Story 1: a city approves a seawall (8 paragraphs); excerpted by one site, printed in full by another.

SEAWALL_HEADLINE = "Port Ellison Approves $240 Million Seawall After Decade of Flooding"

SEAWALL: tuple[str, ...] = (
    (
        "PORT ELLISON, Maine — The city council voted 7-2 on Tuesday night to build a $240 million seawall "
        "along the downtown waterfront, ending more than a decade of debate over how to protect the old "
        "harbor district from storm surges that have flooded its streets at least four times since 2012."
    ),
    (
        "The wall, which will rise about nine feet above the current high-tide line, is to be paid for with "
        "a mix of federal resilience grants, a state bond and a new fee on waterfront property. "
        "Construction could begin as early as next spring and would take roughly five years to finish, "
        "according to the city engineer's office."
    ),
    (
        "Supporters packed the council chamber for the vote, many of them shop owners who said they could "
        "not survive another winter like the last one. In January, a nor'easter pushed seawater two feet "
        "deep into Commercial Street, ruining inventory and forcing a dozen businesses to close for weeks "
        "while crews pumped out basements and replaced wiring."
    ),
    (
        "\u201cWe have been bailing out this neighborhood with buckets and sandbags for ten years,\u201d "
        "said Mayor Linda Okafor, who made the seawall the centerpiece of her reelection campaign. "
        "\u201cTonight we finally decided to stop hoping the ocean will be kind to us and start building "
        "something that will still be standing when our grandchildren run this city.\u201d"
    ),
    (
        "The two council members who voted against the plan said they supported flood protection but "
        "worried about the cost to homeowners. Under the proposal, owners of waterfront parcels would pay "
        "an annual fee of between $300 and $2,100, depending on the assessed value of their property and "
        "how close it sits to the water."
    ),
    (
        "Environmental groups have also raised concerns. The Casco Shore Alliance said in a statement that "
        "a solid wall could speed erosion on the beaches just north of downtown and cut off tidal marshes "
        "that shelter young fish. The group has asked the city to consider living shorelines, such as "
        "restored dunes and oyster reefs, along parts of the route."
    ),
    (
        "City engineer Marcus Bell told the council that the design already includes two stretches of "
        "planted berms and that the wall's gates would stay open in calm weather. He said a full "
        "environmental review would be completed before any permits are filed, and that residents would "
        "have at least three more chances to comment on the final plans."
    ),
    (
        "Port Ellison is one of several New England harbor towns weighing expensive defenses as sea levels "
        "rise. Federal forecasts project that water levels along the Maine coast could climb another foot "
        "by 2050, which would turn today's rare flooding into a monthly event. Officials in Portsmouth and "
        "New Bedford are studying similar projects."
    ),
)

# ----------------------------------------------------------------------------------------------------------
# Story 2: a wire story and its later update (new lead, two paragraphs dropped, one added, one moved).

WILDFIRE_HEADLINE = "Wildfire Forces Thousands to Flee Foothill Towns in Northern California"

WILDFIRE: tuple[str, ...] = (
    # 0: the first lead (dropped by the update, which has a new one)
    (
        "OROVILLE, Calif. (AP) — A fast-moving wildfire tore through dry grass and oak woodland in the "
        "Sierra Nevada foothills on Saturday, forcing more than 6,000 people to leave their homes as gusty "
        "afternoon winds pushed the flames toward several small communities. The blaze, named the Quarry "
        "Fire, had burned about 9,400 acres by evening and was 5% contained, according to the California "
        "Department of Forestry and Fire Protection, which said at least 14 structures had been destroyed."
    ),
    (
        "Evacuation orders covered the towns of Berry Creek and Feather Falls and parts of Forbestown, "
        "where sheriff's deputies went door to door urging residents to leave. Shelters opened at the "
        "county fairgrounds and at a church in Oroville, and volunteers set up pens for horses and goats."
    ),
    (
        "The fire started shortly after 1 p.m. near a rock quarry off Highway 162, officials said. Its "
        "cause was under investigation. Within three hours it had jumped the Middle Fork of the Feather "
        "River and was spreading uphill through steep canyons that firefighters struggled to reach."
    ),
    (
        "More than 900 firefighters were assigned to the blaze, backed by a dozen air tankers and "
        "helicopters that dropped water and retardant along the ridgelines until the wind grew too strong "
        "for them to fly safely. Crews worked through the night to cut containment lines around Berry Creek."
    ),
    (
        "\u201cThis fire is moving faster than anything we have seen here this season,\u201d said Cal Fire "
        "battalion chief Rosa Delgado. \u201cWe are asking people not to wait for an order. If you live in "
        "the foothills and you feel unsafe, pack your car and go now, while the roads are still open.\u201d"
    ),
    # 5: moved up by the update
    (
        "Pacific Gas and Electric said it had cut power to about 3,200 customers in Butte and Plumas "
        "counties at the request of fire officials. The utility said it would inspect its lines before "
        "restoring service, which could take several days in the hardest-hit areas."
    ),
    (
        "Butte County has been scarred by some of the deadliest fires in state history. The 2018 Camp Fire "
        "killed 85 people and destroyed most of the town of Paradise, about 20 miles northwest of "
        "Saturday's blaze, and the 2020 North Complex Fire killed 16 people, many of them in Berry Creek."
    ),
    # 7: the weather outlook (dropped by the update)
    (
        "Forecasters said conditions were unlikely to improve quickly. The National Weather Service issued "
        "a red flag warning for much of the northern Sacramento Valley through Monday evening, with "
        "humidity expected to fall below 10% and winds gusting to 35 mph. Temperatures were forecast to "
        "reach 104 degrees on Sunday, and there was little chance of rain before the end of the month, "
        "leaving crews to fight the fire in some of the hottest and driest weather of the year."
    ),
)

WILDFIRE_UPDATE_HEADLINE = "Quarry Fire Grows to 21,000 Acres as Evacuations Expand in Butte County"

WILDFIRE_NEW_LEAD = (
    "OROVILLE, Calif. (AP) — A wildfire in the Sierra Nevada foothills more than doubled in size overnight "
    "and destroyed dozens of homes, officials said Sunday, as thousands more residents were ordered to "
    "evacuate and firefighters braced for another day of triple-digit heat. The Quarry Fire had burned "
    "about 21,000 acres by Sunday morning and was 3% contained, Cal Fire said, adding that at least 60 "
    "buildings had burned and another 2,000 were threatened."
)

WILDFIRE_ADDED = (
    "Butte County Sheriff Kory Honea said two residents of Feather Falls were reported missing late "
    "Saturday and that search teams had not been able to reach their neighborhood because of the flames. He "
    "said deputies had arrested a man suspected of looting evacuated homes in Forbestown and urged "
    "residents to leave their porch lights on so that patrols could spot anyone moving around the empty "
    "streets at night."
)


def wildfire_original() -> str:
    """The first version of the wire story: headline, dateline lead and seven more paragraphs."""
    return article(WILDFIRE_HEADLINE, WILDFIRE)


def wildfire_update() -> str:
    """The update: a new headline and lead (the first lead dropped), paragraphs 1-2 unchanged, paragraph 5
    moved up before 3-4, a new paragraph on the missing residents, paragraph 6 unchanged, and the weather
    outlook (7) dropped. Every kept paragraph is word for word."""
    w = WILDFIRE
    paragraphs = (WILDFIRE_NEW_LEAD, w[1], w[2], w[5], w[3], w[4], WILDFIRE_ADDED, w[6])
    return article(WILDFIRE_UPDATE_HEADLINE, paragraphs)


# ----------------------------------------------------------------------------------------------------------
# Two short unrelated stories of one local site (2 paragraphs each).

LIBRARY_HEADLINE = "Maple Grove Library Reopens After Two-Year Renovation"
LIBRARY: tuple[str, ...] = (
    (
        "MAPLE GROVE — The public library on Elm Street reopened on Saturday after a two-year, $11 million "
        "renovation that added a children's wing, a recording studio and a rooftop reading garden. Hundreds "
        "of residents lined up before the doors opened at 9 a.m., and staff handed out more than 400 new "
        "library cards by noon."
    ),
    (
        "Library director Helen Marsh said the old building had leaking windows, no elevator and too few "
        "outlets for people who came to work on laptops. The new wing was paid for largely by a bond that "
        "voters approved in 2021, with the rest raised from local businesses and a bake sale that ran every "
        "month for a year."
    ),
)

ROBOTICS_HEADLINE = "Westfield High Robotics Team Heads to World Championship"
ROBOTICS: tuple[str, ...] = (
    (
        "WESTFIELD — A team of eleven students from Westfield High School will compete at the world "
        "robotics championship in Houston next month after their machine, a forklift-like robot nicknamed "
        "Gus, won the regional tournament in Hartford over the weekend against 48 other schools."
    ),
    (
        "The students spent about six hundred hours designing and building the robot in a converted storage "
        "room behind the gym. Their coach, physics teacher Omar Reyes, said the team still needs to raise "
        "about $18,000 to cover travel and hotel costs and has started selling custom phone stands printed "
        "on the school's 3D printer."
    ),
)

# ----------------------------------------------------------------------------------------------------------
# A digest of three briefs, each under its own headline, and sites that copy one brief each.

DIGEST_HEADLINE = "Morning Briefing: Bridge Closure, a Museum Gift and a Bigger Farmers Market"
DIGEST_INTRO = "Here is what you need to know in Riverside this Thursday."

BRIEFS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Harlow Street Bridge to Close for Six Months",
        (
            (
                "The Harlow Street Bridge will close to all traffic on Monday for six months of repairs to "
                "its steel deck and rusted support beams, the county transportation department said on "
                "Wednesday. Inspectors found last fall that several of the beams had lost nearly a third of "
                "their thickness to corrosion."
            ),
            (
                "Drivers will be detoured over the Cedar Avenue crossing, about a mile to the south, and "
                "the county expects commutes between the east side and downtown to take ten to fifteen "
                "minutes longer during the morning rush. Pedestrians and cyclists can use a temporary "
                "walkway on the north side."
            ),
            (
                "The $14 million project is paid for mostly with federal bridge money. County engineer "
                "Tasha Green said crews would work nights and some weekends to finish before the river "
                "rises next spring."
            ),
        ),
    ),
    (
        "Riverside Museum Receives Rare Winslow Homer Watercolor",
        (
            (
                "The Riverside Museum of Art has received a rare Winslow Homer watercolor of fishermen "
                "hauling nets off the coast of Maine, a gift from the estate of a retired surgeon who kept "
                "it in his dining room for more than forty years. The painting, dated 1894, had not been "
                "shown in public since the 1950s."
            ),
            (
                "Curator Priya Natarajan said conservators would spend the winter cleaning the paper and "
                "repairing a small tear along one edge. The watercolor will go on view in March in the "
                "museum's American gallery, alongside two Homer etchings the museum bought in the 1970s."
            ),
        ),
    ),
    (
        "Saturday Farmers Market Moves to Larger Lot",
        (
            (
                "The Riverside Farmers Market will move next month from the library parking lot to the much "
                "larger lot behind the old train depot, where it will have room for sixty vendors instead "
                "of thirty-five. Organizers said the waiting list for stalls had grown to more than forty "
                "farms and bakeries."
            ),
            (
                "Market manager Luis Ortega said the new site has electricity, a covered pavilion for rainy "
                "days and parking for about two hundred cars. The market will keep its Saturday hours, from "
                "8 a.m. to 1 p.m., and will add a Wednesday evening market in the summer."
            ),
            (
                "The city council approved the move unanimously on Tuesday and agreed to waive the rental "
                "fee for the first year. Ortega said vendors who accept food assistance benefits will be "
                "grouped near the entrance so that shoppers can find them easily."
            ),
        ),
    ),
)

# ----------------------------------------------------------------------------------------------------------
# Page furniture of several fictional sites.

COASTAL_DAILY_TOP: tuple[str, ...] = (
    "Skip to content",
    "Home",
    "News",
    "Local",
    "Sport",
    "Business",
    "Weather",
    "Opinion",
)
COASTAL_DAILY_BOTTOM: tuple[str, ...] = (
    "More From Coastal Daily",
    "15 Amazing Images of Stars From Hubble",
    "Why Lobster Prices Are Climbing Again This Summer",
    "The Best Lighthouses to Visit Before Winter",
    "Local Bakery Wins National Pie Contest for Third Year",
    "Ferry Schedule Changes Take Effect Next Month",
    "We may earn a commission when you buy through links on our site.",
    "Sign up for our morning briefing and get the day's top stories delivered to your inbox every weekday.",
    "Most Read",
    "Town Meeting Rejects School Budget for Second Time",
    "Police Identify Driver in Route 1 Crash",
    "Five Restaurants Opening on the Waterfront This Fall",
    "\u00a9 2024 Coastal Daily Media Group. All rights reserved.",
    "Privacy Policy",
    "Terms of Use",
)

#: The same site's furniture as another crawl flattened it: no "More From" or "Most Read" headers, no link
#: words, nothing that names itself; only the shape of the lines tells it from the story.
COASTAL_PLAIN_TOP: tuple[str, ...] = (
    "Coastal Daily",
    "Port Ellison | Harbor | Schools | Police | Weather | Obituaries",
)
COASTAL_PLAIN_BOTTOM: tuple[str, ...] = (
    "15 Amazing Images of Stars From Hubble",
    "Why Lobster Prices Are Climbing Again This Summer",
    "The Best Lighthouses to Visit Before Winter",
    "Local Bakery Wins National Pie Contest for Third Year",
    "Ferry Schedule Changes Take Effect Next Month",
    "We may earn a commission when you buy through links on our site.",
    "Town Meeting Rejects School Budget for Second Time",
    "Police Identify Driver in Route 1 Crash",
    "Five Restaurants Opening on the Waterfront This Fall",
    "Get the day's top stories from the coast in your inbox every weekday morning.",
    "Harbor Seals Return to Casco Bay in Record Numbers",
    "What to Know About the New Parking Rules Downtown",
    "Opinion: The Waterfront Deserves Better Than a Wall",
    "Coastal Daily Media Group, 12 Wharf Street, Port Ellison",
)

NORTHEAST_TOP: tuple[str, ...] = (
    "Menu",
    "Search",
    "Subscribe",
    "Top Stories",
    "U.S.",
    "World",
    "Politics",
    "Climate",
)
NORTHEAST_BOTTOM: tuple[str, ...] = (
    "Related Coverage",
    "How Rising Seas Are Reshaping the Maine Coast",
    "Oyster Farmers Bet on Cold Water as Bays Warm",
    "Advertisement",
    "Get our climate newsletter, a weekly guide to the ideas and people shaping a warming planet.",
    "Follow Us",
    "Facebook",
    "Twitter",
    "Instagram",
    "Copyright 2024 Northeast News Network",
)

#: A local site's 30-line furniture block, printed around every article it publishes.
VALLEY_TOP: tuple[str, ...] = (
    "Valley Courier",
    "Home",
    "News",
    "Schools",
    "Sports",
    "Obituaries",
    "Events",
    "Real Estate",
    "Classifieds",
    "E-Edition",
)
VALLEY_BOTTOM: tuple[str, ...] = (
    "Trending Now",
    "Teen Driver Hurt in Crash on County Road 9",
    "New Coffee Roaster Opens in Former Bank Building",
    "Zoning Board Delays Vote on Riverside Apartments",
    "Best Places to Pick Apples This Fall",
    "Westfield Girls Soccer Clinches Conference Title",
    "Former Mayor Remembered as Tireless Advocate",
    "This website uses affiliate links, and we may receive a small commission when you make a purchase.",
    "Get the Valley Courier morning newsletter for the local stories you need to start your day.",
    "Most Popular",
    "Storm Knocks Out Power to Thousands Across the Valley",
    "Police Blotter: Stolen Bikes and a Runaway Goat",
    "Contact Us",
    "Advertise With Us",
    "Careers",
    "Privacy Policy",
    "Terms of Service",
    "Copyright \u00a9 2024 Valley Courier Media. All rights reserved.",
    "Powered by Newsroom Cloud",
    "Back to Top",
)

#: A city site's legal notice (about 60 words) and its block of restaurant teasers.
METRO_TOP: tuple[str, ...] = (
    "Metro Eats & News",
    "Home",
    "City",
    "Food",
    "Nightlife",
    "Arts",
    "Events",
    "Deals",
)
METRO_LEGAL = (
    "The material on this site may not be reproduced, distributed, transmitted, cached or otherwise used, "
    "except with the prior written permission of Metro Media Holdings. Use of this site constitutes "
    "acceptance of our User Agreement, Privacy Policy and Cookie Statement. Metro Eats may earn a portion "
    "of sales from products that are purchased through our site as part of our affiliate partnerships with "
    "retailers."
)
METRO_TEASERS: tuple[str, ...] = (
    "Local Restaurants",
    "Taqueria El Sol Opens Second Location on Main Street",
    "The 12 Best Brunch Spots in the City Right Now",
    "Family-Run Pho Shop Celebrates 30 Years Downtown",
    "Where to Find the Best Bagels in Every Neighborhood",
    "New Rooftop Bar Brings Tiki Drinks to the Arts District",
    "Pizza Week Returns With 40 Participating Restaurants",
)
METRO_BOTTOM: tuple[str, ...] = (
    "Newsletter",
    "Sign up for our weekly food newsletter.",
    "About Us",
    "Contact",
    "\u00a9 2024 Metro Media Holdings",
)

#: Furniture of three more sites that each copy one brief of the digest.
RIVERSIDE_TOP: tuple[str, ...] = ("Riverside Record", "Home", "News", "Community", "Sports", "Weather")
RIVERSIDE_BOTTOM: tuple[str, ...] = (
    "Read Next",
    "High School Football Scores From Friday Night",
    "Library Extends Hours for Exam Season",
    "Sign up for the Riverside Record daily email and never miss a local story.",
    "\u00a9 2024 Riverside Record",
)
SITE_FURNITURE: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("Tri-County Today", "Home", "Local News", "Traffic", "Sports", "Weather"),
        (
            "You Might Also Like",
            "Ten Road Trips to Take Before the Leaves Fall",
            "County Fair Announces Concert Lineup",
            "\u00a9 2024 Tri-County Today. All rights reserved.",
        ),
    ),
    (
        ("Arts Weekly", "Home", "Museums", "Galleries", "Theater", "Music"),
        (
            "More Arts News",
            "Symphony Names New Music Director",
            "Sculpture Park Adds Five Works by Regional Artists",
            "Subscribe to Arts Weekly for reviews, previews and interviews every Friday.",
            "\u00a9 2024 Arts Weekly Inc.",
        ),
    ),
    (
        ("Good Food Gazette", "Recipes", "Markets", "Restaurants", "Wine"),
        (
            "Popular Recipes",
            "Easy Weeknight Tomato Soup With Grilled Cheese Croutons",
            "The Only Pie Crust Recipe You Will Ever Need",
            "We may earn a commission when you buy through links on our site.",
            "\u00a9 2024 Good Food Gazette",
        ),
    ),
    (
        ("Metro Wire", "Latest", "City Hall", "Transit", "Culture"),
        (
            "Latest Headlines",
            "Transit Board Approves Fare Freeze for Another Year",
            "City Hall Unveils Plan for New Bike Lanes",
            "Copyright 2024 Metro Wire LLC",
        ),
    ),
    (
        ("Heritage Post", "Front Page", "History", "Arts", "Travel"),
        (
            "Trending",
            "The Lost Lighthouses of the Great Lakes",
            "Inside the Restoration of a 1920s Movie Palace",
            "Join the Heritage Post newsletter for weekly stories about the places that made us.",
            "\u00a9 2024 Heritage Post",
        ),
    ),
    (
        ("Harvest Hub", "Farms", "Markets", "Seasonal", "Events"),
        (
            "Around the Region",
            "Orchard Owners Expect a Record Apple Crop",
            "Dairy Farmers Gather for Annual Cheese Fair",
            "\u00a9 2024 Harvest Hub Media",
        ),
    ),
)


# ----------------------------------------------------------------------------------------------------------
# builders


def article(headline: str, paragraphs: Sequence[str]) -> str:
    """A headline and its paragraphs, a blank line between paragraphs."""
    return "\n\n".join([headline, *paragraphs]) + "\n"


def on_page(top: Sequence[str], body: str, bottom: Sequence[str]) -> str:
    """``body`` inside a site's furniture: menu lines above, headline lists and notices below, each on its own
    line as a scraper flattens them."""
    return "\n".join(top) + "\n\n" + body.strip("\n") + "\n\n" + "\n".join(bottom) + "\n"


def seawall_excerpt_page() -> str:
    """Coastal Daily's excerpt: the headline and the first three paragraphs, inside 23 lines of its furniture
    (section menu, other headlines, an affiliate disclaimer, a newsletter pitch, "Most Read", copyright)."""
    return on_page(COASTAL_DAILY_TOP, article(SEAWALL_HEADLINE, SEAWALL[:3]), COASTAL_DAILY_BOTTOM)


def seawall_excerpt_plain_page() -> str:
    """The same excerpt inside 16 lines of Coastal Daily furniture that names itself nowhere (a menu row,
    other headlines with no header, a disclaimer, a pitch, an address)."""
    return on_page(COASTAL_PLAIN_TOP, article(SEAWALL_HEADLINE, SEAWALL[:3]), COASTAL_PLAIN_BOTTOM)


def seawall_full_page() -> str:
    """Northeast News Network's full copy: byline and date, all eight paragraphs, its own furniture."""
    body = f"{SEAWALL_HEADLINE}\nBy Dana Whitfield\nMarch 12, 2024\n\n" + "\n\n".join(SEAWALL)
    return on_page(NORTHEAST_TOP, body, NORTHEAST_BOTTOM)


def valley_page(headline: str, paragraphs: Sequence[str]) -> str:
    """A Valley Courier article inside the site's 30-line furniture block."""
    return on_page(VALLEY_TOP, article(headline, paragraphs), VALLEY_BOTTOM)


def metro_headline_page(headline: str) -> str:
    """A Metro Eats page whose scrape kept only its headline and the site's furniture: menu, the restaurant
    teasers, the legal notice, the footer."""
    lines = [*METRO_TOP, "", headline, "", *METRO_TEASERS, "", METRO_LEGAL, "", *METRO_BOTTOM]
    return "\n".join(lines) + "\n"


def digest_page() -> str:
    """Riverside Record's morning digest: three briefs, each under its own headline, in the site's
    furniture."""
    parts = [DIGEST_HEADLINE, DIGEST_INTRO]
    for headline, paragraphs in BRIEFS:
        parts.append(headline)
        parts.extend(paragraphs)
    return on_page(RIVERSIDE_TOP, "\n\n".join(parts), RIVERSIDE_BOTTOM)


def brief_copy(brief: int, site: int) -> str:
    """Brief ``brief`` of the digest (headline and paragraphs, word for word) on site ``site``'s page."""
    headline, paragraphs = BRIEFS[brief]
    top, bottom = SITE_FURNITURE[site]
    return on_page(top, article(headline, paragraphs), bottom)


def write_texts(folder: Path, texts: dict[str, str]) -> Path:
    """Write each text as ``<name>`` (a .txt file name) directly in ``folder``: bare files, no source."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def run_folder(folder: Path) -> copydesk.RunResult:
    """``copydesk.dedup`` on the .txt files of ``folder`` with the default settings."""
    cfg = copydesk.RunConfig()
    return copydesk.dedup(copydesk.read_inputs([folder], cfg.read), cfg)


def run_docs(docs: Sequence[copydesk.Document]) -> copydesk.RunResult:
    """``copydesk.dedup`` on in-memory documents with the default settings."""
    return copydesk.dedup(iter(docs), copydesk.RunConfig())


def decisions_by_id(result: copydesk.RunResult) -> dict[str, copydesk.Decision]:
    return {d.doc_id: d for d in result.decisions}


def describe(result: copydesk.RunResult) -> str:
    """One line per decision, for assertion messages: what copydesk decided and why."""
    return "\n".join(
        f"{d.doc_id}: {d.role.value} of {d.canonical_id} [{d.reason.value}] {d.detail}"
        for d in result.decisions
    )
