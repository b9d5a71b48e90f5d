"""The "not" column of ../shared/GLOSSARY.md as patterns a test can look for.

The glossary says in words what must not be written ("dayandırmaq (for 'drop')"); a test needs
patterns. Each rule below is keyed by the glossary row's first column ("concept (en)"), so
that tests/core/test_language.py can check that every row with a "not" term has a rule here
and that no rule outlives its row. Patterns are regular expressions matched against the
Azerbaijani text lower-cased with az_lower (İ → i, I → ı), from the start of a word: a suffix
does not hide a term ("merlərin", "durğunluğu" are found), and a longer word that only starts
alike is not a false hit only where the pattern says so with a trailing \\b.

A rule with `english` applies only where the English counterpart of the text (a msgid, the
"en" twin of a YAML "az" value, the *_en column of a CSV row) matches it: "mərhələ" is right
for a phase and wrong for a milestone, "seçim" right for a choice and wrong for a portfolio
option. `unless_after` exempts a match preceded by the given words ("müvəqqəti dayandırmaq" is
the glossary's "pause", bare "dayandırmaq" is its forbidden "drop").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    concept: str  # the glossary row's first column, verbatim
    pattern: str  # what must not appear (on az_lower text), from the start of a word
    english: str | None = None  # only where the English counterpart matches this
    unless_after: str | None = None  # exempt when the text before the match ends like this

    def hits(self, az: str, en: str | None = None) -> list[str]:
        """The offending fragments of `az` (already az-lower-cased)."""
        en = re.sub(r"%\(\w+\)\w|%\w", "", en or "")  # placeholders: %(done)d is no "done"
        if self.english is not None and not re.search(self.english, en, re.I):
            return []
        found = []
        for match in re.finditer(r"(?<!\w)(?:" + self.pattern + ")", az):
            before = az[:match.start()]
            if self.unless_after and re.search(r"(?:" + self.unless_after + r")\s+$", before):
                continue
            found.append(az[max(0, match.start() - 20):match.end() + 20])
        return found


RULES = [
    Rule("Mayors for Economic Growth", r"merlər|mer\b"),
    Rule("the M4EG Facility", r"təşəbbüs", english=r"\bfacility\b"),
    Rule("the M4EG Facility", r"(?:başçıları|merlər)[»\")]*\s+(?:\(m4eg\)\s+)?təşəbbüs"),
    Rule("UNDP", r"undp\b"),
    Rule("SDGs", r"davamlı inkişaf məqsəd|sdg"),
    Rule("sustainable / resilient", r"davamlı inkişaf"),
    Rule("sustainable / resilient", r"davamlı", english=r"\bsustainab"),
    Rule("deep demonstrator", r"dərin nümayiş|nümayiş layihə"),
    Rule("plan section (\"building block\")", r"blok(?!la)|tikinti blok"),
    Rule("vision", r"baxış", english=r"\bvision"),
    Rule("vision", r"baxış\w*\s*\(vision"),
    Rule("review / reviewer / comment", r"rəyçi\w*\s+qeyd"),
    Rule("review / reviewer / comment", r"qeyd(?!iyyat)",
         english=r"\b(?:review|reviewer)'?s?\s+(?:note|comment)"),
    Rule("take into review", r"baxışa götür"),
    Rule("baseline / indicator / target", r"ilkin göstərici"),
    # Only short labels: in a sentence "tədbir" may be the event the English speaks of too.
    Rule("action (in a plan)", r"tədbir", english=r"^[^.;:!?]{0,40}\bactions?\b[^.;:!?]{0,40}$"),
    Rule("portfolio option", r"seçim|müdaxilə", english=r"\boptions?\b"),
    Rule("portfolio option", r"portfel seçim"),
    # "Dayandırmaq" alone is right for stopping an interview; for an option it reads "drop".
    Rule("scale / adapt / drop / pause", r"dayandır", english=r"\b(?:drop|paus)",
         unless_after=r"müvəqqəti|müvəqqəti olaraq|üzvlüy\w*"),
    Rule("scale / adapt / drop / pause",
         r"(?:variant|layihə|portfel)\w*\s+(?:(?!müvəqqəti)\w+\s+){0,2}dayandır"),
    Rule("insight", r"müşahidə", english=r"\binsight"),
    Rule("insight", r"müşahidə\w*\s*\(insight"),
    Rule("milestone / phase", r"mərhələ", english=r"\bmilestone"),
    Rule("grant phases seed / growth / scale", r"toxum"),
    Rule("feedback", r"geri bildirim"),
    Rule("stalled", r"durğunl"),
    Rule("suspend / suspended / restore membership", r"fəaliyyət\w*\s+dayandır"),
    Rule("course levels", r"irəli\b", english=r"\badvanced\b"),
    Rule("course levels", r"irəli səviyyə"),
    Rule("register for a workshop", r"qeydiyyat",
         english=r"^workshop\b|\b(?:workshop|session|seat)s?\b.*\bregist|\bregist\w*\b.*\b(?:workshop|session|seat)s?\b"),
    Rule("register for a workshop", r"seminar\w*\s+(?:üçün\s+)?qeydiyyat"),
    # "hazırlıq mərhələsi" (a project's readiness stage) is not the index.
    Rule("Smart Village Readiness (menu)", r"hazırlı[qğ]",
         english=r"smart village readiness|\b(?:more|less) readiness"),
    Rule("Smart Village Readiness (menu)", r"kənd hazırlı[qğ]"),
    Rule("SVR class / gap", r"sin(?:if|f)", english=r"\bclass(?:es|ed)?\b"),
    Rule("SVR class / gap", r"boşluq|boşluğ", english=r"\bgaps?\b"),
    Rule("heat map", r"istilik xəritə"),
    Rule("water users' associations", r"su istifadəçiləri assosiasiya"),
    Rule("status (of an action)", r"vəziyyət", english=r"\bstatus"),
    Rule("status (of an action)", r"tamamlan", english=r"\b(?:done|completed?)\b"),
]

# The glossary's "Style" paragraph: the Siz register in imperatives, one quotation style.
STYLE = [
    Rule("Style: Siz imperatives", r"əvvələ qayıt\b|geri qayıt\b|növbəyə qoy\b"),
    Rule("Style: quotes «…»", r"[“”„]|\"\w[^\"]*\""),
]
