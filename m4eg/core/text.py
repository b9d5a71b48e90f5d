"""Azerbaijani-aware text helpers.

Python's case mapping and code-point ordering follow English rules: ``"i".upper()`` is ``I``
where Azerbaijani wants ``İ``, and ``sorted()`` puts Ç, Ə, Ğ, İ, Ö, Ş, Ü after Z. ICU would do
this, but PyICU needs a C++ toolchain on every machine; the rules for one alphabet fit here.
"""

from __future__ import annotations

AZ_ALPHABET = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
_RANK = {letter: index for index, letter in enumerate(AZ_ALPHABET)}
_BASE = len(AZ_ALPHABET)


def az_upper(text: str) -> str:
    """Upper-case ``text`` by Azerbaijani rules (i → İ, ı → I)."""
    return text.replace("i", "İ").replace("ı", "I").upper()


def az_lower(text: str) -> str:
    """Lower-case ``text`` by Azerbaijani rules (I → ı, İ → i)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def az_title(text: str) -> str:
    """Capitalise the first letter of each word by Azerbaijani rules."""
    words = text.split(" ")
    return " ".join(az_upper(w[:1]) + az_lower(w[1:]) if w else w for w in words)


def az_sort_key(text: str) -> tuple:
    """A key that orders strings in the Azerbaijani alphabet (… H X I İ J K Q L …).

    Letters outside the alphabet (w, digits, punctuation) follow by code point, so that mixed
    lists still sort deterministically; the original string breaks ties between case variants.
    """
    ranks = tuple(_RANK.get(ch, _BASE + ord(ch)) for ch in az_lower(text or ""))
    return ranks, text or ""


_FOLD_LETTERS = str.maketrans(
    {"ə": "e", "ı": "i", "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u"}
)
_FOLD_DIGRAPHS = (("kh", "x"), ("sh", "s"), ("ch", "c"), ("gh", "g"), ("zh", "j"))


def search_fold(text: str) -> str:
    """Reduce ``text`` to what a user without an Azerbaijani keyboard would type.

    ``Şəki``, ``Seki`` and ``Sheki`` all fold to ``seki``; ``Xırdalan`` and ``Khirdalan`` to
    ``xirdalan``. Used on both sides of a search so that the comparison is symmetric.
    """
    folded = az_lower(text or "").translate(_FOLD_LETTERS)
    for digraph, letter in _FOLD_DIGRAPHS:
        folded = folded.replace(digraph, letter)
    return " ".join(folded.split())
