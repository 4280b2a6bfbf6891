"""Offline extraction rules about who the user is (age, places, work and study) that need code.

The English table (memories/data/extraction_en.json) declares the rules and their order; a rule
whose reading a pattern and a template cannot say names a function here. Each takes one
canonical clause (see offline_text) and returns the drafts it recognises, or [] to let the next
rule try. Subjects name what a fact is about, so a later fact with the same
subject replaces the earlier one ("residence", "employer", "pet:dog").
"""

from __future__ import annotations

import re
from dataclasses import replace

from memories.extraction.offline_text import (
    Clause,
    Draft,
    article,
    does,
    is_,
    key,
    person_name,
    place_name,
    proper,
    tidy,
)
from memories.extraction.offline_vocab import (
    FIELDS,
    JOBS,
    NOT_EMPLOYERS,
    PROGRAMMING,
    alternation,
    split_time,
)

PERSONAL, WORK = ("personal_details",), ("professional_details",)

# -- identity --------------------------------------------------------------------------------
# "My name is …", "call me …", pronouns, birthdays, where they live, come from and grew up,
# nationality: declared in the table. What needs code stays here.

_I_AM_NAME = re.compile(r"I am (?P<v>[A-Z][\w'-]*(?: [A-Z][\w'-]*)?)(?: from (?P<place>.+))?")
_AGE = re.compile(
    r"I am (?P<n>\d{1,3})(?: years? old| yrs? old| y/?o)?|I turned (?P<t>\d{1,3})", re.I
)
_TURNING = re.compile(r"I am turning (?P<n>\d{1,3})(?P<when> .+)?", re.I)


def i_am_name(c: Clause) -> list[Draft]:
    """ "I'm Sam", "I am Ana from Lisbon": a name only if it is not a state or a nationality."""
    if (m := _I_AM_NAME.fullmatch(c.text)) and (name := person_name(m["v"], c)):
        place = place_name(m["place"] or "", c)
        origin = [Draft(f"Is from {place}", "origin", PERSONAL)] if place else []
        return [Draft(f"Name is {name}", "name", PERSONAL), *origin]
    return []


def age(c: Clause) -> list[Draft]:
    if (m := _AGE.fullmatch(c.text)) and 0 < int(years := m["n"] or m["t"]) < 120:
        return [Draft(f"Is {int(years)} years old", "age", PERSONAL)]
    if (m := _TURNING.fullmatch(c.text)) and 0 < int(m["n"]) < 120:
        _, when = split_time(m["when"] or "")
        text = f"Is turning {int(m['n'])}" + (f" {when}" if when else "")
        return [Draft(text, "age", (*PERSONAL, "milestones"))]
    return []


_BORN_IN = re.compile(
    r"I was born (?:and raised )?in (?P<v>.+?)(?: in (?P<y>(?:19|20)\d\d))?", re.I
)


def born_in(c: Clause) -> list[Draft]:
    """ "I was born in 1990", "in Lagos", "in Lagos in 1990": a place, a year or both."""
    if not (m := _BORN_IN.fullmatch(c.text)):
        return []
    if re.fullmatch(r"(?:19|20)\d\d", m["v"]):
        return [Draft(f"Was born in {m['v']}", "birth_year", PERSONAL)]
    place, year = place_name(m["v"], c), m["y"]
    drafts = [Draft(f"Was born in {place}", "birthplace", PERSONAL)] if place else []
    return drafts + ([Draft(f"Was born in {year}", "birth_year", PERSONAL)] if year else [])


_MOVING = re.compile(r"I am (?:moving|relocating) (?:back )?to (?P<v>.+)", re.I)


def moving(c: Clause) -> list[Draft]:
    if not (m := _MOVING.fullmatch(c.text)):
        return []
    head, when = split_time(m["v"])
    place = place_name(head, c)
    text = f"Is moving to {place}" + (f" {when}" if when else "")
    return [Draft(text, "plan:move", PERSONAL)] if place else []


# -- work and study --------------------------------------------------------------------------

_JOB = alternation(JOBS)
_ROLE = rf"(?:a|an) (?:[\w-]+ ){{0,3}}?(?:{_JOB})"
_WORK_AT = re.compile(
    r"I (?:(?P<neg>do not |am not )?work|(?P<neg2>am not )?(?:am )?working) (?:at|for) "
    r"(?P<org>.+?)(?: as (?P<role>.+))?",
    re.I,
)
_WORK_AS = re.compile(rf"I work as (?P<role>{_ROLE})(?: (?:at|for|with) (?P<org>.+))?", re.I)
_STARTED = re.compile(
    r"I (?:started|began|joined|got a job|got hired|accepted a job|landed a job)"
    r"(?: (?:a |my )?new job| working)? (?:at|for|by) (?P<org>.+?)(?: as (?P<role>.+))?|"
    r"I joined (?P<joined>(?-i:[A-Z]).*?)(?: as (?P<jrole>.+))?",
    re.I,
)
_I_AM_ROLE = re.compile(
    rf"I am (?P<neg>not )?(?P<role>{_ROLE})(?: (?P<prep>at|for|with|in) (?P<org>.+))?", re.I
)
_WORK_IN = re.compile(r"I work in (?P<v>.+)", re.I)
_TEACH = re.compile(
    r"I teach (?P<v>[\w -]{2,30}?)(?: (?:at|in) (?P<org>(?:a |an |the )?[\w' -]{2,40}))?", re.I
)
_QUIT_JOB = re.compile(
    r"I (?:quit|left|lost) my job(?: at (?P<org>.+))?|"
    r"I (?:got|was) (?P<how>fired|laid off|let go)(?: from (?P<from>.+))?",
    re.I,
)
_PROMOTED = re.compile(
    r"I (?:got|was|have been) promoted(?: to (?P<role>.+))?|I got a promotion", re.I
)
_BUSINESS = re.compile(
    r"I (?P<verb>own|run|founded|co-founded|started|have) (?:a|an|my own) (?P<v>(?:[\w-]+ ){0,3}?"
    r"(?:business|company|startup|bakery|restaurant|cafe|shop|store|agency|studio|firm|clinic|"
    r"practice|consultancy|farm|bar|salon|gym))",
    re.I,
)


def work(c: Clause) -> list[Draft]:
    neg = {"negated": True, "ended": c.ended}
    if m := _WORK_AT.fullmatch(c.text):
        if m["org"].lower() == "myself":
            return [Draft("Is self-employed", "employer", WORK)]
        org, role = _org(m["org"], c), tidy(m["role"] or "", max_words=5)
        text = does("work", f"at {org}", **neg) if m["neg"] or m["neg2"] else _works_at(org, role)
        return [Draft(text, "employer", WORK)] if org else []
    if m := _WORK_AS.fullmatch(c.text):
        org, role = _org(m["org"] or "", c), m["role"]
        text = f"Works as {role}" + (f" at {org}" if org else "")
        return [Draft(text, "employer" if org else "occupation", WORK)]
    if (m := _STARTED.fullmatch(c.text)) and (org := _org(m["org"] or m["joined"] or "", c)):
        role = tidy(m["role"] or m["jrole"] or "", max_words=5)
        return [Draft(_works_at(org, role), "employer", WORK)]
    if m := _I_AM_ROLE.fullmatch(c.text):
        return _role(m, c)
    return []


def _org(raw: str, c: Clause) -> str:
    """An employer: "Acme", "a hospital"; cut before "in London", "since 2019" and the like."""
    cut = re.split(r"\s+(?:in|since|from|on|during|for \d|now)\b", raw, maxsplit=1)[0]
    org = tidy(split_time(cut)[0], max_words=5)
    if not org or not org[0].isalpha() or org.lower().split()[-1] in NOT_EMPLOYERS:
        return ""
    has_article = org.split()[0].lower() in {"a", "an", "the"}
    if has_article or org[0].isupper():
        return org
    return proper(org) if c.casual else ""


def _works_at(org: str, role: str) -> str:
    return f"Works at {org}" + (f" as {role}" if role else "")


def _role(m: re.Match, c: Clause) -> list[Draft]:
    prep = (m["prep"] or "at").lower()
    role, org = m["role"], (_org(m["org"] or "", c) if prep != "in" else place_name(m["org"], c))
    student = "student" in role.lower() or role.lower().endswith(("undergrad", "postdoc"))
    at_employer = org and prep != "in"
    subject = "education" if student else ("employer" if at_employer else "occupation")
    text = is_(role + (f" {prep} {org}" if org else ""), negated=bool(m["neg"]), ended=c.ended)
    return [Draft(text, subject, WORK)]


def works_in(c: Clause) -> list[Draft]:
    """ "I work in marketing" is an industry, "I work in Berlin" a place, "in shifts" neither."""
    if not (m := _WORK_IN.fullmatch(c.text)) or not (field := tidy(m["v"], max_words=4)):
        return []
    if field.lower() in FIELDS:
        return [Draft(f"Works in {field}", "industry", WORK)]
    # Only a capitalised word is a place here: "I work in shifts" is not an address.
    strict = replace(c, casual=False)
    place = place_name(field, strict) if field.lower() not in PROGRAMMING else ""
    return [Draft(f"Works in {place}", "work_location", WORK)] if place else []


def teaches(c: Clause) -> list[Draft]:
    if not (m := _TEACH.fullmatch(c.text)) or not (subject := tidy(m["v"], max_words=3)):
        return []
    org = _org(m["org"] or "", c)
    text = f"Teaches {subject}" + (f" at {org}" if org else "")
    return [Draft(text, "employer" if org else "occupation", WORK)]


def job_change(c: Clause) -> list[Draft]:
    if m := _QUIT_JOB.fullmatch(c.text):
        if m["how"]:
            origin = _org(m["from"] or "", c)
            text = f"Was {m['how'].lower()}" + (f" from {origin}" if origin else "")
        else:
            org = _org(m["org"] or "", c)
            text = "Quit job" + (f" at {org}" if org else "")
        return [Draft(text, "employer", WORK)]
    if m := _PROMOTED.fullmatch(c.text):
        role = tidy(m["role"] or "", max_words=5)
        text = "Was promoted" + (f" to {role}" if role else "")
        return [Draft(text, "occupation" if role else "promotion", (*WORK, "milestones"))]
    return []


def business(c: Clause) -> list[Draft]:
    if (m := _BUSINESS.fullmatch(c.text)) and (kind := tidy(m["v"], max_words=4)):
        verb = {"own": "Owns", "run": "Runs", "have": "Runs"}.get(m["verb"].lower(), "Founded")
        return [Draft(f"{verb} {article(kind)} {kind}", "business", WORK)]
    return []


_STUDY = re.compile(
    r"I (?:am )?(?:study|studying|majoring in|major in) (?P<field>.+?)"
    r"(?: (?:at|in) (?P<school>.+))?",
    re.I,
)
_GRADUATED = re.compile(r"I graduated from (?P<school>.+?)(?: in (?P<y>(?:19|20)\d\d))?", re.I)
_DEGREE = re.compile(
    r"I have (?:a|an) (?P<deg>bachelor'?s|master'?s|phd|doctorate|ba|bs|bsc|ma|ms|msc|mba|"
    r"associate'?s)(?: degree)? (?:in|on) (?P<field>.+)",
    re.I,
)
_DOING_DEGREE = re.compile(
    r"I am (?:doing|pursuing|working on|finishing|completing) (?:a|an|my) (?P<deg>phd|master'?s|"
    r"bachelor'?s|mba|degree|doctorate)(?: degree)? (?:in|on) (?P<field>.+)",
    re.I,
)
_ATTEND = re.compile(
    r"I (?:go to|attend) (?P<school>(?-i:.*[A-Z].*)(?:university|college|school|academy|"
    r"institute|uni)\b.*)",
    re.I,
)


def education(c: Clause) -> list[Draft]:
    if m := _GRADUATED.fullmatch(c.text):
        school = tidy(m["school"], max_words=6)
        text = f"Graduated from {school}" + (f" in {m['y']}" if m["y"] else "")
        return [Draft(text, "education", (*WORK, "milestones"))] if school else []
    if m := _DEGREE.fullmatch(c.text):
        field, degree = tidy(m["field"], max_words=5), _degree(m["deg"])
        text = f"Has {_a_degree(degree)} {degree} in {field}"
        return [Draft(text, f"degree:{key(field)}", WORK)] if field else []
    if m := _DOING_DEGREE.fullmatch(c.text):
        field, degree = tidy(m["field"], max_words=5), _degree(m["deg"])
        text = f"Is doing {_a_degree(degree)} {degree} in {field}"
        return [Draft(text, "education", WORK)] if field else []
    if m := _ATTEND.fullmatch(c.text):
        school = tidy(m["school"], max_words=6)
        return [Draft(f"Attends {school}", "education", WORK)] if school else []
    return _studies(c)


def _studies(c: Clause) -> list[Draft]:
    m = _STUDY.fullmatch(c.text)
    if m and m["field"].lower().startswith("at ") and (school := tidy(m["field"][3:], max_words=6)):
        return [Draft(f"Studies at {school}", "education", WORK)]
    if not m or re.match(r"(?:for|to|with|hard|a lot|at|on|in)\b", m["field"], re.I):
        return []
    field, school = tidy(m["field"], max_words=5), tidy(m["school"] or "", max_words=6)
    if not field:
        return []
    text = f"Studies {field}" + (f" at {school}" if school else "")
    return [Draft(text, "education" if school else f"learning:{key(field)}", WORK)]


def _a_degree(degree: str) -> str:
    if degree.isupper() or degree.startswith("Ph"):  # letters read aloud: "an MBA", "a PhD"
        return "an" if degree[0] in "AEFHILMNORSX" else "a"
    return article(degree)


def _degree(raw: str) -> str:
    lower = raw.lower().replace("'", "")
    names = {
        "phd": "PhD",
        "mba": "MBA",
        "bachelors": "bachelor's degree",
        "masters": "master's degree",
    }
    return names.get(lower, raw.upper() if len(raw) <= 3 else f"{lower} degree")
