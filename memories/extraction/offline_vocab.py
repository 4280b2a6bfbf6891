"""Word lists for the offline extractor: the closed vocabularies that keep its rules precise.

A rule like "I am a <job>" only fires when the last word is a known job, so "I'm a night owl"
stays unremembered instead of becoming "Is a night owl" under professional_details.
"""

from __future__ import annotations

import re


def alternation(words: set[str] | dict[str, str]) -> str:
    """A regex alternation, longest first so "type 2 diabetes" wins over "diabetes"."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s") for w in sorted(words, key=lambda w: -len(w))
    )


JOBS = {
    "engineer", "developer", "programmer", "designer", "nurse", "doctor", "physician", "surgeon",
    "dentist", "teacher", "professor", "lecturer", "lawyer", "attorney", "accountant", "architect",
    "chef", "cook", "baker", "pharmacist", "therapist", "psychologist", "psychiatrist",
    "scientist", "researcher", "analyst", "consultant", "manager", "director", "ceo", "cto", "cfo",
    "founder", "co-founder", "entrepreneur", "freelancer", "writer", "author", "journalist",
    "editor", "photographer", "artist", "musician", "actor", "actress", "student", "intern",
    "electrician", "plumber", "carpenter", "mechanic", "pilot", "firefighter", "police officer",
    "paramedic", "veterinarian", "vet", "librarian", "cashier", "recruiter", "administrator",
    "technician", "contractor", "farmer", "barista", "waiter", "waitress", "bartender", "tutor",
    "coach", "personal trainer", "realtor", "banker", "economist", "translator", "copywriter",
    "illustrator", "animator", "producer", "biologist", "chemist", "physicist", "mathematician",
    "statistician", "nanny", "caregiver", "receptionist", "secretary", "data scientist",
    "product manager", "project manager", "software engineer", "web developer", "midwife",
    "social worker", "soldier", "officer", "sales rep", "salesperson", "marketer", "clerk",
    "optometrist", "radiologist", "dietitian", "nutritionist", "physiotherapist", "counselor",
    "counsellor", "pastor", "priest", "rabbi", "imam", "judge", "paralegal", "surveyor",
    "electrical engineer", "civil engineer", "devops engineer", "sre", "ux designer", "pm",
    "teaching assistant", "postdoc", "phd student", "grad student", "undergrad",
}  # fmt: skip
FIELDS = {
    "marketing", "sales", "finance", "tech", "it", "healthcare", "health care", "education",
    "retail", "construction", "hospitality", "real estate", "hr", "human resources",
    "consulting", "insurance", "banking", "law", "media", "advertising", "software",
    "engineering", "research", "academia", "government", "logistics", "manufacturing",
    "design", "accounting", "customer support", "customer service", "operations", "security",
    "cybersecurity", "data science", "product", "publishing", "journalism", "film", "fashion",
    "the tech industry", "biotech", "pharma", "nonprofits", "the nonprofit sector", "gaming",
}  # fmt: skip
NATIONALITIES = {
    "american", "british", "english", "scottish", "welsh", "irish", "canadian", "australian",
    "german", "french", "italian", "spanish", "portuguese", "brazilian", "mexican", "argentinian",
    "argentine", "chilean", "colombian", "peruvian", "venezuelan", "cuban", "dutch", "belgian",
    "swiss", "austrian", "swedish", "norwegian", "danish", "finnish", "icelandic", "polish",
    "czech", "slovak", "hungarian", "romanian", "bulgarian", "greek", "turkish", "russian",
    "ukrainian", "israeli", "egyptian", "moroccan", "nigerian", "kenyan", "ethiopian", "ghanaian",
    "south african", "indian", "pakistani", "bangladeshi", "sri lankan", "nepali", "chinese",
    "japanese", "korean", "vietnamese", "thai", "filipino", "indonesian", "malaysian",
    "singaporean", "taiwanese", "iranian", "iraqi", "lebanese", "syrian", "saudi", "emirati",
    "new zealander", "croatian", "serbian", "slovenian", "lithuanian", "latvian", "estonian",
}  # fmt: skip
LANGUAGES = {
    "english", "spanish", "french", "german", "italian", "portuguese", "dutch", "russian",
    "chinese", "mandarin", "cantonese", "japanese", "korean", "arabic", "hindi", "urdu", "bengali",
    "punjabi", "tamil", "turkish", "polish", "swedish", "norwegian", "danish", "finnish", "greek",
    "hebrew", "vietnamese", "thai", "indonesian", "malay", "tagalog", "swahili", "persian",
    "farsi", "ukrainian", "czech", "hungarian", "romanian", "catalan", "basque", "irish", "welsh",
    "latin", "sign language", "asl", "bsl", "esperanto", "croatian", "serbian", "icelandic",
}  # fmt: skip
PROGRAMMING = {
    "python", "javascript", "typescript", "java", "go", "golang", "rust", "c", "c++", "c#", "ruby",
    "php", "swift", "kotlin", "scala", "haskell", "elixir", "clojure", "r", "julia", "sql", "dart",
    "lua", "perl", "ocaml", "f#", "zig", "bash", "erlang", "fortran", "cobol",
}  # fmt: skip
# "kitten" and "puppy" are remembered as the animal, so a later "my cat" updates the same fact.
PETS = {
    "dog": "dog", "puppy": "dog", "pup": "dog", "cat": "cat", "kitten": "cat", "kitty": "cat",
    "hamster": "hamster", "rabbit": "rabbit", "bunny": "rabbit", "parrot": "parrot",
    "bird": "bird", "budgie": "budgie", "goldfish": "goldfish", "fish": "fish", "turtle": "turtle",
    "tortoise": "tortoise", "snake": "snake", "lizard": "lizard", "gecko": "gecko",
    "guinea pig": "guinea pig", "horse": "horse", "pony": "pony", "ferret": "ferret",
    "chinchilla": "chinchilla", "rat": "rat", "hedgehog": "hedgehog", "iguana": "iguana",
    "bearded dragon": "bearded dragon", "cockatiel": "cockatiel", "chicken": "chicken",
    "golden retriever": "dog", "labrador": "dog", "lab": "dog", "poodle": "dog",
    "beagle": "dog", "corgi": "dog", "husky": "dog", "german shepherd": "dog",
    "dachshund": "dog", "bulldog": "dog", "french bulldog": "dog", "pug": "dog",
    "chihuahua": "dog", "terrier": "dog", "border collie": "dog", "greyhound": "dog",
    "maine coon": "cat", "siamese cat": "cat", "tabby": "cat", "tabby cat": "cat",
    "puppies": "dog", "kittens": "cat", "bunnies": "rabbit", "pet": "pet",
}  # fmt: skip
RELATIVES = {
    "wife": "wife", "husband": "husband", "partner": "partner", "spouse": "spouse",
    "girlfriend": "girlfriend", "boyfriend": "boyfriend", "fiance": "fiance", "fiancé": "fiance",
    "fiancee": "fiancee", "fiancée": "fiancee", "son": "son", "daughter": "daughter",
    "kid": "child", "child": "child", "baby": "baby", "brother": "brother", "sister": "sister",
    "mom": "mother", "mum": "mother", "mother": "mother", "mama": "mother", "dad": "father",
    "father": "father", "papa": "father", "grandma": "grandmother", "granny": "grandmother",
    "grandmother": "grandmother", "grandpa": "grandfather", "grandfather": "grandfather",
    "aunt": "aunt", "uncle": "uncle", "cousin": "cousin", "niece": "niece", "nephew": "nephew",
    "stepson": "stepson", "stepdaughter": "stepdaughter", "stepmom": "stepmother",
    "stepdad": "stepfather", "twin": "twin", "best friend": "best friend",
    "twin brother": "brother", "twin sister": "sister", "little brother": "brother",
    "little sister": "sister", "older brother": "brother", "older sister": "sister",
    "younger brother": "brother", "younger sister": "sister", "big brother": "brother",
    "big sister": "sister",
}  # fmt: skip
CHILDREN = {"son", "daughter", "child", "baby", "stepson", "stepdaughter", "brother", "sister"}
CONDITIONS = {
    "asthma", "diabetes", "type 1 diabetes", "type 2 diabetes", "celiac disease", "celiac",
    "coeliac disease", "crohn's disease", "crohn's", "ibs", "adhd", "autism", "anxiety",
    "depression", "bipolar disorder", "ptsd", "ocd", "epilepsy", "migraines", "arthritis",
    "rheumatoid arthritis", "high blood pressure", "hypertension", "high cholesterol",
    "insomnia", "sleep apnea", "psoriasis", "eczema", "lupus", "multiple sclerosis", "cancer",
    "hypothyroidism", "pcos", "endometriosis", "fibromyalgia", "chronic fatigue syndrome",
    "long covid", "tinnitus", "scoliosis", "a heart condition", "heart disease", "dyslexia",
    "chronic back pain", "back pain", "a bad back", "gout", "anemia", "anaemia", "glaucoma",
    "hearing loss", "chronic pain", "lactose intolerance",
    "gluten intolerance", "a thyroid condition", "gerd", "acid reflux", "kidney disease",
}  # fmt: skip
STATES = {
    "diabetic", "prediabetic", "asthmatic", "epileptic", "autistic", "dyslexic", "colorblind",
    "colour-blind", "color-blind", "deaf", "hard of hearing", "pregnant", "anemic", "sober",
    "immunocompromised", "neurodivergent", "wheelchair user", "a wheelchair user",
}  # fmt: skip
ALLERGEN_PLURALS = {
    "peanut": "peanuts", "nut": "nuts", "tree nut": "tree nuts", "egg": "eggs",
    "almond": "almonds", "cashew": "cashews", "walnut": "walnuts", "strawberry": "strawberries",
    "tomato": "tomatoes", "cat": "cats", "dog": "dogs", "bee": "bees", "wasp": "wasps",
    "mushroom": "mushrooms", "bee sting": "bee stings", "hazelnut": "hazelnuts",
    "pistachio": "pistachios", "kiwi": "kiwis", "mango": "mangoes",
}  # fmt: skip
DEVICES = {
    "car", "truck", "motorcycle", "motorbike", "scooter", "e-bike", "bike", "bicycle", "house",
    "apartment", "flat", "condo", "cabin", "boat", "rv", "camper", "van", "iphone", "ipad",
    "android phone", "android", "pixel", "macbook", "macbook pro", "macbook air", "mac", "laptop",
    "pc", "gaming pc", "desktop", "ps5", "playstation", "xbox", "nintendo switch", "kindle",
    "apple watch", "smartwatch", "tesla", "3d printer", "drone", "camera", "piano", "guitar",
    "electric car", "hybrid", "ev", "garden", "vinyl collection", "record player", "steam deck",
}  # fmt: skip
# Verbs a plan can be made of ("I'm planning to learn Spanish"); "going to eat lunch" is chat.
PLAN_VERBS = {
    "start", "learn", "try", "buy", "move", "visit", "run", "quit", "become", "study", "travel",
    "adopt", "build", "launch", "join", "marry", "apply", "sell", "retire", "begin", "write",
    "train", "attend", "celebrate", "host", "lose", "save", "renovate", "propose", "hike",
    "climb", "compete", "enroll", "enrol", "graduate", "publish", "volunteer", "teach", "pursue",
    "go back", "relocate", "cycle", "swim", "ski", "surf", "fly",
}  # fmt: skip
ACTIVITIES = {  # what "I do ..." may be followed by
    "yoga", "pilates", "crossfit", "karate", "judo", "jiu-jitsu", "bjj", "martial arts",
    "taekwondo", "kickboxing", "ballet", "gymnastics", "triathlons", "parkour", "meditation",
    "photography", "pottery", "woodworking", "calligraphy", "improv", "stand-up", "boxing",
    "weightlifting", "powerlifting", "archery", "fencing", "aikido", "muay thai", "zumba",
    "spin", "spinning", "barre", "tai chi", "rock climbing", "bouldering", "volunteer work",
    "cross-country skiing", "marathons", "triathlon", "embroidery", "origami", "karaoke",
}  # fmt: skip
HOBBY_VERBS = {  # intransitive: "I swim every morning"
    "knit", "paint", "draw", "bake", "cook", "surf", "ski", "snowboard", "swim", "climb", "hike",
    "run", "jog", "cycle", "bike", "dance", "sing", "garden", "fish", "sew", "crochet", "skate",
    "meditate", "box", "row", "sail", "golf", "kayak", "camp", "skateboard", "journal",
}  # fmt: skip

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTHS = {name: name.capitalize() for name in _MONTH_NAMES}
MONTHS |= {name[:3]: name.capitalize() for name in _MONTH_NAMES if name != "may"}
MONTHS["sept"] = "September"
_MONTH = alternation(MONTHS)
_PERIOD = (
    r"spring|summer|autumn|fall|winter|weekend|week|month|year|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|christmas|easter|thanksgiving|new year'?s?|holidays?|"
    r"(?:19|20)\d\d"
)
TIME = re.compile(
    r"\b(?:(?:in|on|this|next|last|over|during|for|around|by|until|from|to|early|late|mid|the|later|"
    rf"end of|beginning of)\s+)*(?:(?:{_MONTH})\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?"
    rf"(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b"
    rf"(?:\s+(?:19|20)\d\d)?|(?:{_PERIOD})\b|tomorrow|tonight|soon|today|later|"
    r"(?:a|one|two|three|four|five|six|a few|a couple of|\d+)\s+(?:days?|weeks?|months?|years?)"
    r"\b)(?:\s+(?:break|holidays|vacation|morning|afternoon|evening|night|ago))?",
    re.I,
)
DATE = re.compile(
    rf"(?:the\s+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?"
    rf"(?:,?\s+(?P<y1>(?:19|20)\d\d))?|(?P<m2>{_MONTH})\b\.?\s+(?:the\s+)?(?P<d2>\d{{1,2}})"
    r"(?:st|nd|rd|th)?(?:,?\s+(?P<y2>(?:19|20)\d\d))?",
    re.I,
)


def date_text(text: str) -> str:
    """ "March 12th" / "the 12th of march, 1990" -> "12 March" / "12 March 1990"; else ""."""
    match = DATE.fullmatch(text.strip())
    if not match:
        return ""
    day = int(match["d1"] or match["d2"])
    month = MONTHS[(match["m1"] or match["m2"]).lower()]
    year = match["y1"] or match["y2"]
    if not 1 <= day <= 31:
        return ""
    return f"{day} {month}" + (f" {year}" if year else "")


def split_time(text: str) -> tuple[str, str]:
    """ "Japan in June" -> ("Japan", "in June"): the time phrase and what comes before it."""
    match = TIME.search(text)
    if not match:
        return text.strip(), ""
    end = match.end()
    while following := TIME.match(text, end + 1) if text[end : end + 1] == " " else None:
        end = following.end()  # "for two weeks in June": both phrases
    return text[: match.start()].strip(), text[match.start() : end].strip()


# Capitalised words that follow "I am" without being a name.
NOT_NAMES = {
    "good", "fine", "ok", "okay", "sorry", "here", "back", "home", "done", "not", "just", "so",
    "very", "really", "also", "still", "going", "trying", "looking", "glad", "sure", "happy",
    "sad", "tired", "busy", "ready", "new", "old", "single", "married", "the", "a", "an", "in",
    "at", "on", "from", "with", "your", "all", "excited", "bored", "hungry", "free", "available",
    "interested", "curious", "confused", "lost", "alone", "christian", "muslim", "jewish",
    "catholic", "hindu", "buddhist", "atheist", "agnostic", "vegan", "vegetarian", "gay",
    "straight", "bi", "trans", "male", "female", "human", "i", "me", "late", "early",
    "sick", "ill", "well", "great", "fantastic", "awesome", "thankful", "grateful",
}  # fmt: skip

# Lowercase words after "in" that are not places: "i live in fear" is no address.
NOT_PLACES = {
    "a", "an", "the", "some", "this", "that", "home", "fear", "denial", "peace", "hope", "harmony",
    "poverty", "comfort", "luxury", "sin", "bed", "shifts", "pain", "debt", "hell", "heaven",
    "style", "silence", "love", "secret", "misery", "town", "here", "there", "it", "work",
    "school", "church", "class", "college", "uni", "future", "past", "space", "hospital",
}  # fmt: skip
