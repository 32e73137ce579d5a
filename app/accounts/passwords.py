"""Password rules: long enough, and not easy to guess.

"Easy to guess" is judged by zxcvbn (Dropbox's estimator, the maintained Python port). It ships
its own lists: about 30,000 passwords seen in leaks, English words, names and surnames. It also
recognises what a plain list cannot: keyboard rows, repeats, sequences, dates, l33t spellings
and the person's own name or e-mail address. It estimates how many guesses a password needs
and gives a score from 0 to 4; we ask for PASSWORD_MIN_SCORE (3: at least 10^8 guesses).
Its feedback is English only, so each of its sentences is mapped to one of ours, translated.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

#: zxcvbn's cost grows with length; a password longer than this is judged on its start.
ASSESSED_LENGTH = 100

#: Words that make a password easy to guess here but are missing from zxcvbn's English lists:
#: the site's own names, and "password" and "welcome" in the languages the site speaks.
LOCAL_WORDS = (
    "aula",
    "alla",
    "al-las",
    "contraseña",
    "contrasena",
    "clave",
    "senha",
    "motdepasse",
    "bienvenido",
    "bienvenida",
    "bemvindo",
    "bienvenue",
)

#: zxcvbn's feedback sentences (its exact English text) -> ours, translated.
FEEDBACK = {
    "Use a few words, avoid common phrases.": _l("Use a few words; avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _l(
        "Symbols, digits and capital letters are not needed."
    ),
    "Add another word or two. Uncommon words are better.": _l(
        "Add another word or two; uncommon words are better."
    ),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Use a longer keyboard pattern with more turns.": _l(
        "Use a longer keyboard pattern with more turns."
    ),
    'Repeats like "aaa" are easy to guess.': _l(
        "Repeated characters such as “aaa” are easy to guess."
    ),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        "Repeated groups such as “abcabcabc” are hardly harder to guess than “abc”."
    ),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        "Sequences such as “abc” or “6543” are easy to guess."
    ),
    "Avoid sequences.": _l("Avoid sequences."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid years that are associated with you.": _l("Avoid years that have to do with you."),
    "Dates are often easy to guess.": _l("Dates are easy to guess."),
    "Avoid dates and years that are associated with you.": _l(
        "Avoid dates and years that have to do with you."
    ),
    "This is a top-10 common password.": _l("This is one of the 10 most common passwords."),
    "This is a top-100 common password.": _l("This is one of the 100 most common passwords."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l(
        "This is close to a commonly used password."
    ),
    "A word by itself is easy to guess.": _l("A single word is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l(
        "A name or surname on its own is easy to guess."
    ),
    "Common names and surnames are easy to guess.": _l(
        "Common names and surnames are easy to guess."
    ),
    "Capitalization doesn't help very much.": _l("A capital first letter does not help much."),
    "All-uppercase is almost as easy to guess as all-lowercase.": _l(
        "All capitals are almost as easy to guess as all small letters."
    ),
    "Reversed words aren't much harder to guess.": _l(
        "Words spelt backwards are hardly harder to guess."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": _l(
        "Predictable swaps such as “@” for “a” do not help much."
    ),
}

_SEPARATORS = re.compile(r"[\s@.\-_+]+")

# zxcvbn keeps the personal words of the current check in a module-level dictionary.
_ZXCVBN_LOCK = threading.Lock()


def personal_words(*values: str | None) -> list[str]:
    """Words from a person's e-mail address and name, with and without accents.

    Each value, an address's local part, their single words, and those words run together
    in either order as people write them ("hernandez.guadalupe", "guadalupehernandez").
    """
    words: set[str] = set()
    for value in values:
        if not value:
            continue
        value = value.lower()
        for text in {value, value.split("@")[0]}:
            parts = [p for p in _SEPARATORS.split(text) if p]
            pieces = [text, *parts]
            for ordered in (parts, parts[::-1]):
                pieces.extend(joiner.join(ordered) for joiner in ("", "-", ".", "_"))
            for piece in pieces:
                if len(piece) >= 3:
                    words.add(piece)
                    words.add(_without_accents(piece))
    return sorted(words)


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def password_problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """Why this password is refused (translated), or None when it may be used."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    with _ZXCVBN_LOCK:
        result = zxcvbn(
            password[:ASSESSED_LENGTH],
            user_inputs=[*LOCAL_WORDS, *personal],
            max_length=ASSESSED_LENGTH,
        )
    if result["score"] >= current_app.config["PASSWORD_MIN_SCORE"]:
        return None
    return " ".join(_explain(result))


def _explain(result: dict) -> list[str]:
    sentences = [_("This password is too easy to guess.")]
    feedback = result["feedback"]
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        sentences.append(
            _("It contains your name, your e-mail address or a word too common on this site.")
        )
    elif feedback["warning"]:
        sentences.append(str(FEEDBACK.get(feedback["warning"], "")))
    sentences.extend(str(FEEDBACK.get(text, "")) for text in feedback["suggestions"])
    if len(sentences) == 1 or not feedback["suggestions"]:
        sentences.append(_("Try a phrase of three or four unrelated words."))
    return [s for s in sentences if s]
