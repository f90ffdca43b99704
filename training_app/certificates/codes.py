"""Short verification codes people can type: Crockford base32 with a Luhn mod 32 check character.

A single mistyped character, and most swaps of two neighbours, are caught before any lookup.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Letters people confuse with digits read as those digits.
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
DATA_LENGTH = 11
CODE_LENGTH = DATA_LENGTH + 1


def check_character(data: str) -> str:
    """Luhn mod N over the Crockford alphabet."""
    n = len(ALPHABET)
    factor, total = 2, 0
    for char in reversed(data):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def normalise(raw: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be a valid code."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    cleaned = "".join(ch for ch in raw.upper() if ch not in " -_.").translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in _VALUE for ch in cleaned):
        return None
    if check_character(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def display(code: str) -> str:
    """Groups of four for reading aloud and typing: ABCD-EFGH-JKMN."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
