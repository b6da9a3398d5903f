"""Small built-in word lists for believable demo names (no Faker: determinism and no downloads).

Every name is plain ASCII letters so that ``first.last@company.test`` passes email validation as is.
"""

FIRST_NAMES = (
    "Ana", "Bo", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo",
    "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf",
    "Zoe", "Hank", "Marge", "Lisa", "Ravi", "Ines", "Kenji", "Amara", "Felix", "Noor", "Pablo", "Greta",
    "Aiko", "Bruno", "Carla", "Dmitri", "Elif", "Femi", "Gael", "Hiro", "Ingrid", "Jonas", "Kavya", "Liam",
    "Mira", "Nils", "Olga", "Pedro", "Rania", "Sofia", "Theo", "Valeria", "Wiktor", "Yara", "Zeynep",
)  # fmt: skip
LAST_NAMES = (
    "Ruiz", "Lind", "Wei", "Kowalski", "Okafor", "Haddad", "Petrov", "Sato", "Novak", "Murphy", "Mensah",
    "Fischer", "Silva", "Rahman", "Khan", "Patel", "Reyes", "Larsen", "Dubois", "Nakamura", "Costa",
    "Schmidt", "Ito", "Moreau", "Garcia", "Ibrahim", "Jensen", "Rossi", "Tanaka", "Walsh", "Yilmaz",
    "Adeyemi", "Becker", "Chowdhury", "Eriksson", "Ferreira", "Gupta", "Hoffmann", "Iyer", "Kim", "Lopez",
    "Mueller", "Nowak", "Olsen", "Park", "Quispe", "Santos", "Takahashi", "Varga", "Wojcik", "Zhang",
)  # fmt: skip
COMPANY_WORDS = (
    "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne",
    "Soylent", "Massive", "Aperture", "Gringotts", "Monarch", "Oscorp", "Wonka", "Nakatomi", "Virtucon",
    "Blue Sun", "Dunder", "Prestige", "Sirius", "Zorg", "Ollivander", "Pied Piper", "Bluth", "Krusty",
    "Initrode", "Wernham", "Sterling", "Gekko", "Duff", "Tessier", "Yoyodyne", "Zenith", "Omni", "Rekall",
    "Buy n Large", "Kronos", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure Works",
    "Wingtip", "Proseware", "Lucerne", "Coho", "Fourth Coffee", "Woodgrove", "Margie", "Alpine", "Humongous",
    "Trey", "Graphic", "Southridge", "Blue Yonder", "Consolidated", "Ajax",
)  # fmt: skip
COMPANY_SUFFIXES = (
    "Corp", "Labs", "Industries", "Logistics", "Foods", "Health", "Energy", "Systems", "Group", "Motors",
    "Retail", "Pharma", "Aerospace", "Textiles", "Mining",
)  # fmt: skip
COMPANY_QUALIFIERS = (
    "", "North", "Pacific", "Nordic", "Atlantic", "Global", "United", "Alpine", "Coastal", "Central",
    "Western", "Eastern", "Southern", "Metro", "Iberia", "Baltic", "Andes", "Sahara", "Delta", "Summit",
    "Harbor", "Prairie", "Capital", "Royal", "Prime",
)  # fmt: skip
DEAL_ITEMS = (
    "40 robots", "pilot line", "warehouse fleet", "service contract", "2 welding cells", "AGV upgrade",
    "annual support", "training package", "10 cobots", "vision kit", "palletizer", "expansion",
    "12 pick arms", "paint cell", "renewal", "spare parts", "safety retrofit", "3 sorting lines",
)  # fmt: skip
EMAIL_SUBJECTS = (
    "Next steps", "Pricing", "Security questionnaire", "Follow-up on our call", "Demo recording", "Proposal",
    "Quick question", "Contract draft", "Intro", "Timeline", "Site visit", "ROI model", "Case study",
)  # fmt: skip
EMAIL_OPENERS = (
    "thanks for your time today.", "following up on our call.", "as promised, the details below.",
    "quick question about your timeline.", "attaching the proposal we discussed.",
    "checking in on the security review.",
)  # fmt: skip
REPLY_LINES = (
    "Thanks, this looks good. Can we talk next week?", "Forwarding to our CFO, will get back to you.",
    "We need a lower price for the second line.", "Could you send the SOC 2 report?",
    "Let's schedule a demo with the plant manager.", "Not a priority this quarter, sorry.",
)  # fmt: skip
MEETING_TITLES = ("Discovery call", "Demo", "Technical deep dive", "Pricing review", "Kick-off", "QBR")
TASK_TITLES = (
    "Send pricing", "Call back", "Prepare proposal", "Share case study", "Book demo", "Check in",
    "Send contract", "Confirm budget", "Update champion", "Send recap",
)  # fmt: skip
CALL_OUTCOMES = ("Connected", "Left voicemail", "Interested", "Not interested", "Call back later")
CALL_NOTES = (
    "Discussed budget and timeline.", "Gatekeeper; asked for the plant manager.", "Walked through pricing.",
    "Reviewed integration with their MES.", "Short call, will email details.",
)  # fmt: skip
NOTE_TEXTS = (
    "Buyer wants SSO before signing.", "Budget approved for Q1.", "Competitor (Initrode) also in talks.",
    "Champion is moving to another team.", "Legal review takes two weeks.", "Needs on-site visit.",
    "Procurement wants three references.", "Pilot succeeded at the Lyon plant.",
)  # fmt: skip
NEXT_STEPS = (
    "Send security questionnaire", "Book a site visit", "Get sign-off from the CFO", "Send revised quote",
    "Schedule technical deep dive", "Share reference customers", "Agree pilot success criteria",
)  # fmt: skip
LIFECYCLE_STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity")
FINAL_LIFECYCLE_STAGES = ("customer", "Customer", "evangelist")
PAGES = (
    "/pricing", "/product/cobots", "/case-studies", "/contact", "/blog/automation-roi", "/careers",
    "/product/agv", "/docs/integration", "/webinars/palletizing",
)  # fmt: skip
FORMS = ("Demo request", "Pricing request", "Webinar signup", "Whitepaper download")
SEQUENCE_NAMES = ("Outbound - robotics", "Webinar follow-up", "Re-engage lost deals", "Trade show leads")
# (IANA zone, team group) in the order reps are dealt out; the default profile's six come first.
DEFAULT_ZONES = (
    ("America/New_York", "West"),
    ("Europe/Warsaw", "West"),
    ("Asia/Tokyo", "East"),
    ("Australia/Sydney", "East"),
    ("America/Los_Angeles", "West"),
    ("Asia/Kolkata", "East"),
)
LARGE_ZONES = (
    ("America/New_York", "Americas"),
    ("Europe/Warsaw", "EMEA"),
    ("Asia/Tokyo", "APAC"),
    ("America/Chicago", "Americas"),
    ("Europe/London", "EMEA"),
    ("Australia/Sydney", "APAC"),
    ("America/Los_Angeles", "Americas"),
    ("Europe/Berlin", "EMEA"),
    ("Asia/Kolkata", "APAC"),
    ("America/Sao_Paulo", "Americas"),
    ("Africa/Lagos", "EMEA"),
    ("Asia/Singapore", "APAC"),
)
