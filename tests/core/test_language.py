"""Azerbaijani terminology: no term the glossary rules out appears in any Azerbaijani text.

The glossary is ../shared/GLOSSARY.md (issue 18); its "not" column is turned into patterns in
glossary_rules.py, next to this file. The texts: the az catalogue, the az parts of the courses,
the latest version of each plan template (older versions stay as started plans have them),
the readiness data and the demo data.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import frontmatter
import pytest
import yaml
from babel.messages.pofile import read_po

from m4eg.core.text import az_lower

from .glossary_rules import RULES, STYLE

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT.parent / "shared" / "GLOSSARY.md"


# --- where the Azerbaijani texts are -----------------------------------------------------

def _from_data(value, where: str):
    """(where, az, en) for every "az" value (en: its "en" twin) and *_az key in a YAML tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "az" and isinstance(item, str):
                en = value.get("en")
                yield where, item, en if isinstance(en, str) else None
            elif isinstance(key, str) and key.endswith("_az") and isinstance(item, str):
                yield where, item, value.get(key[:-3] + "_en")
            else:
                yield from _from_data(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _from_data(item, f"{where}[{index}]")


def _from_file(path: Path):
    where = str(path.relative_to(ROOT))
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield from _from_data(row, f"{where}:{number}")
    else:
        yield from _from_data(yaml.safe_load(path.read_text(encoding="utf-8")), where)


def catalogue_texts():
    with (ROOT / "translations" / "az" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        en = " ".join(filter(None, [message.context, *ids]))
        for string in strings:
            yield f"messages.po: {ids[0]!r}", string, en


def course_texts():
    for course in sorted(p for p in (ROOT / "courses").iterdir() if p.is_dir()):
        yield from _from_data(frontmatter.load(course / "course.md").metadata,
                              str((course / "course.md").relative_to(ROOT)))
        if (course / "quiz.yml").exists():
            yield from _from_file(course / "quiz.yml")
        for lesson in sorted(course.glob("lessons/*.az.md")):
            # A lesson is matched to its English twin only as a whole, too coarse for the rules
            # that depend on the English word: those need a sentence-level counterpart.
            page = frontmatter.load(lesson)
            where = str(lesson.relative_to(ROOT))
            yield where, str(page.metadata.get("title", "")), None
            yield where, page.content, None


def latest_plan_templates() -> list[Path]:
    """The newest version of each template code: plans started on v1 keep v1's wording."""
    newest: dict[str, tuple[int, Path]] = {}
    for path in (ROOT / "m4eg" / "plans" / "data").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["code"] not in newest or data["version"] > newest[data["code"]][0]:
            newest[data["code"]] = (data["version"], path)
    return sorted(path for _, path in newest.values())


def plan_template_texts():
    for path in latest_plan_templates():
        yield from _from_file(path)


def readiness_texts():
    for path in sorted((ROOT / "m4eg" / "readiness" / "data").glob("*.*")):
        if path.suffix in {".yml", ".csv"}:
            yield from _from_file(path)


def demo_texts():
    for folder in ("portfolios", "municipalities"):
        for path in sorted((ROOT / "m4eg" / folder / "data").glob("*.*")):
            if path.suffix in {".yml", ".csv"}:
                yield from _from_file(path)


SOURCES = {"catalogue": catalogue_texts, "courses": course_texts,
           "plan templates": plan_template_texts, "readiness data": readiness_texts,
           "demo data": demo_texts}


def violations(texts, rules=RULES + STYLE) -> list[str]:
    found = []
    for where, az, en in texts:
        lowered = az_lower(az)
        for rule in rules:
            for fragment in rule.hits(lowered, en):
                line = f"{where}: «{' '.join(fragment.split())}» ({rule.concept})"
                if line not in found:
                    found.append(line)
    return found


# --- the tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES)
def test_no_term_the_glossary_rules_out_appears_in_azerbaijani_text(source):
    texts = list(SOURCES[source]())
    assert texts, f"no Azerbaijani text found in the {source}"
    found = violations(texts)
    assert found == [], f"{len(found)} glossary violations in the {source}:\n" + "\n".join(found)


def _glossary_rows() -> dict[str, str]:
    """First column → "not" column of the glossary table."""
    rows = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and not set(cells[0]) <= set("-: ") and cells[0] != "concept (en)":
            rows[cells[0]] = cells[2]
    return rows


@pytest.mark.skipif(not GLOSSARY.exists(), reason=f"{GLOSSARY} is absent in this checkout")
def test_every_term_the_glossary_rules_out_has_a_rule():
    rows = _glossary_rows()
    assert len(rows) > 20
    # A "not" cell that is empty or only a note in brackets rules nothing out.
    ruling_out = {concept for concept, cell in rows.items() if cell and not cell.startswith("(")}
    covered = {rule.concept for rule in RULES}
    assert sorted(ruling_out - covered) == [], "glossary rows without a rule in glossary_rules.py"
    assert sorted(covered - set(rows)) == [], "rules for rows the glossary no longer has"


@pytest.mark.parametrize(("az", "en"), [
    ("Əvvələ qayıt", "Back to the start"),
    ("İrəli", "Advanced"),
    ("Fəaliyyəti dayandırılıb", "Suspended"),
    ("Dayandırılıb", "Dropped"),
    ("Variantı dayandırmaq", None),
    ("Hazırlıq", "menu: the Smart Village Readiness index Readiness"),
    ("Portfelin DURĞUNLUĞU", None),
    ("İSTİLİK XƏRİTƏSİ", "Heat map"),
    ("Müşahidələr (insights)", "Insights"),
    ("İlkin göstərici", "Baseline"),
    ("Vizyon və ya baxış", "Vision"),
    ("Geri bildirim", "Feedback"),
    ("İqtisadi İnkişaf üçün Merlərin şəbəkəsi", None),
    ("Seminar üçün qeydiyyat bağlanıb.", "Registration for this session is closed."),
    ("Qeydiyyat", "workshop Register"),
    ("«İqtisadi İnkişaf üçün Bələdiyyə Başçıları» Təşəbbüsü", "the Facility"),
    ("“demo” işarəli qeydlər", "Records marked “demo”"),
])
def test_the_rules_find_the_errors_issue_18_lists(az, en):
    assert violations([("example", az, en)]), f"{az!r} was not caught"


@pytest.mark.parametrize(("az", "en"), [
    ("Əvvələ qayıdın", "Back to the start"),
    ("Təkmil", "Advanced"),
    ("Müvəqqəti dayandırılıb", "Paused"),
    ("Üzvlüyü dayandırılıb", "Suspended"),
    ("Bələdiyyələrə yerli iqtisadi inkişafı irəli aparmaqda kömək edir.", "help drive"),
    ("İrəliləyiş", "Progress"),
    ("Hesab bloklanıb", "The account is blocked"),
    ("Qrant mərhələsi", "Grant phase"),
    ("Yanlış seçim.", "Not a valid choice."),
    ("Qeydiyyat", "account Register"),
    ("Tədbirlər", "Events"),
    ("İştirakçı müsahibəni istədiyi vaxt dayandıra bilər.", None),
    ("Layihənin hazırlıq mərhələsi", "The project's readiness stage"),
    ("M4EG təşəbbüsü", "the M4EG initiative"),
    ("Sizin baxmağınızı gözləyən məktublar", "Messages that need you"),
])
def test_the_rules_leave_correct_azerbaijani_alone(az, en):
    assert violations([("example", az, en)]) == []


def test_an_older_plan_template_is_exempt_once_a_newer_version_exists(tmp_path, monkeypatch):
    data = tmp_path / "m4eg" / "plans" / "data"
    data.mkdir(parents=True)
    (data / "p4eg-v1.yml").write_text("code: p4eg\nversion: 1\ntitle: {az: 'Tikinti bloku'}\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert [p.name for p in latest_plan_templates()] == ["p4eg-v1.yml"]
    assert violations(plan_template_texts())
    (data / "p4eg-v2.yml").write_text("code: p4eg\nversion: 2\ntitle: {az: 'Bölmə'}\n")
    assert [p.name for p in latest_plan_templates()] == ["p4eg-v2.yml"]
    assert violations(plan_template_texts()) == []


def test_the_catalogue_is_read_with_its_english_and_contexts():
    texts = {where: (az, en) for where, az, en in catalogue_texts()}
    assert re.search("workshop", " ".join(en for _, en in texts.values()))
    assert any(az == "Seminara yazılın" for az, _ in texts.values())
