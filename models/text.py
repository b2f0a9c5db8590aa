"""Short text one person types and another reads: shown as it is, so it must be visible."""

import unicodedata


def visible_line(text: str) -> str:
    """No control characters (a terminal escape or a bell is never meant for the reader), and
    not made only of invisible ones (zero-width spaces, direction marks), which would show as
    nothing at all."""
    categories = [unicodedata.category(char) for char in text]
    if "Cc" in categories:
        raise ValueError("control characters are not allowed here")
    if not any(category[0] in "LNPS" for category in categories):
        raise ValueError("at least one visible character is needed")
    return text
