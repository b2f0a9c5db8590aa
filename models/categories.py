"""The fixed taxonomy of help, each kind with the risk tier that decides who must review it."""

from enum import StrEnum

from sqlmodel import Field, SQLModel


class RiskTier(StrEnum):
    everyday = "everyday"  # neighbours arrange it between themselves
    personal = "personal"  # inside someone's home or around children: a connector reviews
    regulated = "regulated"  # regulated activity with adults in UK law: not matched peer to peer


class Category(StrEnum):
    shopping = "shopping"
    prescriptions = "prescriptions"
    cooked_meals = "cooked_meals"
    lifts = "lifts"
    befriending_phone = "befriending_phone"
    befriending_visits = "befriending_visits"
    diy = "diy"
    gardening = "gardening"
    pet_care = "pet_care"
    tech_help = "tech_help"
    forms_and_letters = "forms_and_letters"
    lending = "lending"
    language = "language"
    children = "children"
    personal_care = "personal_care"
    other = "other"


class CategoryPublic(SQLModel):
    id: Category
    label: str = Field(description="Short, for a button.")
    description: str = Field(description="One sentence on what this kind of help covers.")
    risk_tier: RiskTier = Field(
        description="`everyday`: arranged between neighbours; `personal`: a connector reviews "
        "each match; `regulated`: not matched between residents (see the description)."
    )


CATEGORIES: tuple[CategoryPublic, ...] = (
    CategoryPublic(
        id=Category.shopping,
        label="Shopping and errands",
        description="Picking up groceries, posting a parcel, a trip to the shops together.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.prescriptions,
        label="Collecting prescriptions",
        description="Collecting medicine from a pharmacy and dropping it at the door.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.cooked_meals,
        label="Cooked meals",
        description="A meal cooked and dropped off, or cooking a little extra to share.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.lifts,
        label="Lifts and transport",
        description="A lift to an appointment, the station or the shops.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.befriending_phone,
        label="Befriending by phone",
        description="A regular friendly phone call.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.befriending_visits,
        label="Befriending visits",
        description="Regular visits at home for company; a connector introduces you first.",
        risk_tier=RiskTier.personal,
    ),
    CategoryPublic(
        id=Category.diy,
        label="DIY and small repairs",
        description="Putting up a shelf, fixing a dripping tap, assembling furniture.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.gardening,
        label="Gardening",
        description="Mowing, weeding, clearing leaves, help on an allotment.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.pet_care,
        label="Pet care",
        description="Walking a dog, feeding a cat while someone is away.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.tech_help,
        label="Tech help",
        description="Setting up a phone, a video call, online shopping or banking basics.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.forms_and_letters,
        label="Forms and letters",
        description="Reading post together, filling in a form, writing a letter.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.lending,
        label="Lending things",
        description="Borrowing a ladder, a drill, a pram, a camping stove.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.language,
        label="Language and translation",
        description="Help with a language: a letter, an appointment, conversation practice.",
        risk_tier=RiskTier.everyday,
    ),
    CategoryPublic(
        id=Category.children,
        label="Help around children",
        description="School runs with a parent's say-so, play-dates, homework help; a "
        "connector reviews every match.",
        risk_tier=RiskTier.personal,
    ),
    CategoryPublic(
        id=Category.personal_care,
        label="Personal care",
        description="Washing, dressing, toileting or help with medication. This is regulated "
        "care: Kith does not match it between neighbours, and a connector will point to "
        "local services instead.",
        risk_tier=RiskTier.regulated,
    ),
    CategoryPublic(
        id=Category.other,
        label="Something else",
        description="Anything neighbourly that fits no other category.",
        risk_tier=RiskTier.everyday,
    ),
)

CATEGORY_BY_ID = {category.id: category for category in CATEGORIES}
