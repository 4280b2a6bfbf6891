"""The reasons an add did not store something, in the page's language.

Events keep them in English, as the extractor wrote them (`Event.skipped`, also returned by the
API, which stays English); the event page shows them through this table. A reason not in it
(a newer extractor's) is shown as stored.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from memories.extraction import offline

register = template.Library()

REASONS = {
    offline.NOT_THE_USER: _(
        "said by the assistant: only the user's own statements, and what the assistant "
        "recommended by name, become memories"
    ),
    offline.NOT_A_STATEMENT: _("not a statement: a greeting, thanks, filler, a request or a guess"),
    offline.FILTERED: _("left out by the project's includes, excludes or custom instructions"),
    offline.TOO_LONG: _("too long for one fact"),
    "nothing left once cleaned": _("nothing left once cleaned"),
    "question": _("a question"),
    "greeting": _("a greeting"),
    "thanks": _("thanks"),
    "filler": _("filler"),
    "request": _("a request"),
    "a request": _("a request"),
    "small talk": _("small talk"),
    "a reply to the assistant": _("a reply to the assistant"),
    "too short to stand alone": _("too short to stand alone"),
}


@register.filter
def skip_reason(reason: str) -> str:
    return REASONS.get(reason, reason)
