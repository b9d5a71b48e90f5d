"""Course content: the shipped courses are valid; a bad file is named with the reason."""

import shutil

import pytest

from m4eg.courses.content import CONTENT_DIR, ContentError, load_catalogue
from tests.texts import az_texts

SLUGS = {"foresight-for-municipalities", "community-listening", "sensemaking-and-portfolios",
         "designing-a-p4eg-plan", "adaptive-management-and-monitoring", "localising-the-sdgs"}


def test_the_six_courses_are_complete_in_both_languages():
    catalogue = load_catalogue()
    assert {course.slug for course in catalogue.courses} == SLUGS
    for course in catalogue.courses:
        assert len(course.lessons) >= 4 and len(course.questions) >= 4
        for lesson in course.lessons:
            assert lesson.words["az"] > 250 and lesson.words["en"] > 250, lesson.slug
            assert "ə" in lesson.html["az"] or "ı" in lesson.html["az"]


def test_internal_links_are_rewritten_to_pages_in_the_lessons_language():
    course = load_catalogue().get("community-listening")
    html = " ".join(lesson.html["az"] for lesson in course.lessons)
    assert 'href="/az/courses/' in html and "lesson:" not in html and "course:" not in html


# Mistranslations a reading of the courses found (issue 18), as regular expressions. The
# glossary's own "not" terms are checked everywhere by tests/core/test_language.py.
KNOWN_ERRORS = (
    r"toplumdur", r"Qonaqlıq", r"əraziyə aid", r"Hər mövzu nə qədər", r"dəqiqliyi",
    r"Baxış \(vizyon\)", r"[Bb]axış(ı|a|ın|da)?,? hədəflər",
    r"uyğunlaşdırmaq,? (və ya|yoxsa) dayandırmaq", r"\bDayandırmaq\b",
)


def test_the_shipped_courses_are_free_of_the_known_mistranslations():
    """Every az lesson body and title, quiz text and course text."""
    import re

    import yaml

    found = []
    for path in sorted(CONTENT_DIR.glob("*/lessons/*.az.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        texts = [yaml.safe_load(front)["title"], body]
        found += [(path.name, rule) for rule in KNOWN_ERRORS for text in texts
                  if re.search(rule, text)]
    for path in sorted(CONTENT_DIR.glob("*/quiz.yml")) + sorted(CONTENT_DIR.glob("*/course.md")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text.split("---\n")[1] if path.suffix == ".md" else text)
        found += [(str(path.relative_to(CONTENT_DIR)), rule) for rule in KNOWN_ERRORS
                  for az in az_texts(data) if re.search(rule, az)]
    assert found == []
    lessons = CONTENT_DIR / "sensemaking-and-portfolios" / "lessons"
    assert "**İmtina etmək**" in (lessons / "scale-adapt-drop.az.md").read_text(encoding="utf-8")


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "courses"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    for folder in CONTENT_DIR.iterdir():
        if folder.is_dir():
            shutil.copytree(folder, target / folder.name, dirs_exist_ok=True)
    return target


def _expect(content, reason, path_end):
    with pytest.raises(ContentError) as error:
        load_catalogue(content)
    assert reason in error.value.reason
    assert str(error.value.path).endswith(path_end)


def test_missing_translation_names_the_file(content):
    (content / "community-listening/lessons/why-listen.en.md").unlink()
    _expect(content, "missing translation (en)", "community-listening/lessons/why-listen.en.md")


def test_quiz_without_a_correct_answer(content):
    quiz = content / "community-listening/quiz.yml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("correct: true", "correct: false"),
                    encoding="utf-8")
    _expect(content, "without a correct answer", "community-listening/quiz.yml")


def test_broken_internal_link(content):
    lesson = content / "foresight-for-municipalities/lessons/scenarios.en.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n[gone](lesson:no-such-lesson)\n",
                      encoding="utf-8")
    _expect(content, "broken internal link lesson:no-such-lesson", "scenarios.en.md")


def test_duplicate_lesson_slug(content):
    course = content / "community-listening/course.md"
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace("  - why-listen\n", "  - why-listen\n  - why-listen\n", 1),
                      encoding="utf-8")
    _expect(content, "duplicate slug", "community-listening/course.md")


def test_course_slug_must_match_its_folder(content):
    shutil.copytree(content / "community-listening", content / "community-listening-copy")
    _expect(content, "must equal the folder name", "community-listening-copy/course.md")


def test_check_command_reports_the_path_and_reason(app, content):
    (content / "community-listening/lessons/why-listen.az.md").write_text(
        "---\ntitle: ''\n---\nbody\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["courses", "check", "--path", str(content)])
    assert result.exit_code != 0
    assert "why-listen.az.md: the lesson has no title" in result.output
    ok = app.test_cli_runner().invoke(args=["courses", "check"])
    assert ok.exit_code == 0 and "6 courses: all files valid." in ok.output



def test_a_course_level_is_read_as_the_enum_with_its_translated_label(app_ctx):
    """The level in course.md becomes a CourseLevel; its label follows the page language."""
    from flask_babel import force_locale

    from m4eg.courses import services as courses
    from m4eg.courses.labels import CourseLevel

    course = courses.get_course("community-listening")
    assert isinstance(course.level, CourseLevel)
    with force_locale("az"):
        assert str(CourseLevel.INTRODUCTORY.label) == "Başlanğıc"
    with force_locale("en"):
        assert str(CourseLevel.ADVANCED.label) == "Advanced"


@pytest.mark.parametrize("rules, reason", [
    ("draw: 9\n", "draw 9 is more than the 7 questions of the pool"),
    ("attempts: 0\n", "attempts must be a whole number from 1"),
    ("review: {correct_answers: sometimes}\n", "review correct_answers must be one of"),
    ("review: {explanations: maybe}\n", "review explanations must be true or false"),
    ("shuffle: true\n", "unknown key"),
])
def test_bad_quiz_rules_name_the_file(content, rules, reason):
    quiz = content / "community-listening/quiz.yml"
    body = quiz.read_text(encoding="utf-8")
    quiz.write_text(rules + body[body.index("\nquestions:") + 1:], encoding="utf-8")
    _expect(content, reason, "community-listening/quiz.yml")


def test_quiz_rules_are_read_with_their_defaults():
    courses = {course.slug: course for course in load_catalogue().courses}
    foresight = courses["foresight-for-municipalities"].quiz
    assert (foresight.draw, foresight.attempts) == (6, None)
    assert foresight.review.correct_answers == "after_pass_or_last"
    assert courses["community-listening"].quiz.draw is None


def _words(text: str) -> list[str]:
    """The words of ``text``, lower-cased by Azerbaijani rules, without punctuation."""
    import re

    from m4eg.core.text import az_lower

    return re.findall(r"\w+(?:[.'’]\w+)*", az_lower(text))


def _gives_away(explanation: str, option: str, span: int = 4) -> bool:
    """True when ``explanation`` holds the whole ``option`` or any ``span`` words of it in a row."""
    said, named = " ".join(_words(explanation)), _words(option)
    runs = [named] if len(named) <= span else [
        named[start:start + span] for start in range(len(named) - span + 1)]
    return any(f" {' '.join(run)} " in f" {said} " for run in runs)


def test_the_rule_catches_a_whole_short_option_and_four_words_of_a_long_one():
    assert _gives_away("A stress is a slow, chronic pressure.", "Stress")
    assert not _gives_away("Stresses and shocks differ in speed.", "Stress")
    assert _gives_away("Gərginliklər deyil, GƏRGİNLİK (stress) belədir", "Gərginlik (stress)")
    assert _gives_away("Split the figures by sex before you decide",
                       "Split the figures by sex, age and village and look again")
    assert not _gives_away("Split the figures first", "Split the figures by sex and age")


def test_no_explanation_names_a_correct_option():
    """A failed attempt shows the explanations but never the right options (FORMAT.md): an
    explanation that repeats a correct option would give the answer away."""
    found = [(course.slug, question.id, option.id, lang)
             for course in load_catalogue().courses for question in course.questions
             for option in question.options if option.correct for lang in ("az", "en")
             if _gives_away(question.explanation[lang], option.text[lang])]
    assert found == []


def test_every_explanation_sends_the_learner_to_a_lesson_of_the_course():
    """Each explanation names, in its own language, the lesson to read again."""
    missing = [(course.slug, question.id, lang)
               for course in load_catalogue().courses for question in course.questions
               for lang in ("az", "en")
               if not any(lesson.title[lang] in question.explanation[lang]
                          for lesson in course.lessons)]
    assert missing == []
