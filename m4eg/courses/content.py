"""Course content from the repository's courses/ folder: parsed, validated and rendered once.

The format is described in courses/FORMAT.md. Any problem stops loading with the file's path
and the reason (:class:`ContentError`); ``flask courses check`` runs the same code in CI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import frontmatter
import yaml
from markupsafe import Markup

from ..config import ROOT
from ..core.markdown import render_markdown
from .labels import CourseLevel

CONTENT_DIR = ROOT / "courses"
LANGS = ("az", "en")
LEVELS = tuple(CourseLevel)
TOPICS = ("foresight", "listening", "sensemaking", "portfolio", "p4eg", "management",
          "monitoring", "sdgs")
RESERVED = {"quiz", "certificate", "enrol"}  # used by the course's own pages
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_LINK = re.compile(r"\]\((lesson|course):([a-z0-9-]+)\)")


class ContentError(Exception):
    """A course file is invalid: ``path`` says which, the message says why."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class Lesson:
    slug: str
    position: int
    title: dict[str, str]
    html: dict[str, Markup]
    words: dict[str, int]


@dataclass(frozen=True)
class Option:
    id: str
    text: dict[str, str]
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: dict[str, str]
    options: tuple[Option, ...]
    explanation: dict[str, str]

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)


REVEAL_WHEN = ("always", "after_pass_or_last", "never")


@dataclass(frozen=True)
class Review:
    """What a learner sees after an attempt (as Moodle's review options): which questions
    were wrong, their explanations, and when the correct options are revealed."""

    wrong_questions: bool = True
    explanations: bool = True
    correct_answers: str = "after_pass_or_last"


@dataclass(frozen=True)
class QuizRules:
    """The quiz's optional attempts limit, pool draw and review options."""

    attempts: int | None = None  # None: as many attempts as the learner likes
    draw: int | None = None  # None: every question of the pool in each attempt
    review: Review = Review()


@dataclass(frozen=True)
class Course:
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    topics: tuple[str, ...]
    level: CourseLevel
    hours: float
    sdgs: tuple[int, ...]
    pass_mark: int
    lessons: tuple[Lesson, ...]
    questions: tuple[Question, ...]
    quiz: QuizRules = QuizRules()
    _by_slug: dict = field(default_factory=dict, compare=False, repr=False)

    def lesson(self, slug: str) -> Lesson | None:
        return self._by_slug.get(slug)

    @property
    def lesson_slugs(self) -> tuple[str, ...]:
        return tuple(lesson.slug for lesson in self.lessons)


@dataclass(frozen=True)
class Catalogue:
    courses: tuple[Course, ...]

    def get(self, slug: str) -> Course | None:
        return next((course for course in self.courses if course.slug == slug), None)


def _bilingual(value, path: Path, what: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ContentError(path, f"{what} must have az and en texts")
    for lang in LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise ContentError(path, f"missing translation: {what} has no {lang} text")
    return {lang: value[lang].strip() for lang in LANGS}


def _read_frontmatter(path: Path):
    if not path.is_file():
        raise ContentError(path, "missing file")
    try:
        return frontmatter.load(path)
    except (yaml.YAMLError, ValueError) as error:
        raise ContentError(path, f"front matter is not valid YAML ({error})") from error


def _links(body: str, path: Path, lesson_slugs: set[str], course_slugs: set[str]):
    for kind, target in _LINK.findall(body):
        known = lesson_slugs if kind == "lesson" else course_slugs
        if target not in known:
            raise ContentError(path, f"broken internal link {kind}:{target}")


def _render(body: str, lang: str, course_slug: str) -> Markup:
    def rewrite(match):
        kind, target = match.groups()
        url = (f"/{lang}/courses/{course_slug}/{target}" if kind == "lesson"
               else f"/{lang}/courses/{target}")
        return f"]({url})"

    return render_markdown(_LINK.sub(rewrite, body))


def _positive(data: dict, key: str, path: Path) -> int | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < 1):
        raise ContentError(path, f"{key} must be a whole number from 1")
    return value


def _quiz_rules(data: dict, path: Path, pool: int) -> QuizRules:
    attempts, draw = _positive(data, "attempts", path), _positive(data, "draw", path)
    if draw is not None and draw > pool:
        raise ContentError(path, f"draw {draw} is more than the {pool} questions of the pool")
    raw = data.get("review") or {}
    if not isinstance(raw, dict) or set(raw) - {"wrong_questions", "explanations",
                                                "correct_answers"}:
        raise ContentError(path, "review takes wrong_questions, explanations and "
                                 "correct_answers")
    defaults = Review()
    flags = {}
    for key in ("wrong_questions", "explanations"):
        flags[key] = raw.get(key, getattr(defaults, key))
        if not isinstance(flags[key], bool):
            raise ContentError(path, f"review {key} must be true or false")
    reveal = raw.get("correct_answers", defaults.correct_answers)
    if reveal not in REVEAL_WHEN:
        raise ContentError(path, f"review correct_answers must be one of "
                                 f"{', '.join(REVEAL_WHEN)}")
    return QuizRules(attempts, draw, Review(correct_answers=reveal, **flags))


def _load_quiz(path: Path) -> tuple[tuple[Question, ...], QuizRules]:
    if not path.is_file():
        raise ContentError(path, "missing file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(path, f"not valid YAML ({error})") from error
    items = (data or {}).get("questions") if isinstance(data, dict) else None
    if not items or not isinstance(items, list):
        raise ContentError(path, "the quiz has no questions")
    if set(data) - {"questions", "attempts", "draw", "review"}:
        raise ContentError(path, "unknown key: a quiz has questions, attempts, draw and review")
    questions, seen = [], set()
    for number, item in enumerate(items, start=1):
        where = f"question {number}"
        if not isinstance(item, dict):
            raise ContentError(path, f"{where} is not a mapping")
        qid = str(item.get("id") or "")
        if not _SLUG.match(qid) or qid in seen:
            raise ContentError(path, f"{where}: missing or duplicate id {qid!r}")
        seen.add(qid)
        kind = item.get("type")
        if kind not in ("single", "multiple"):
            raise ContentError(path, f"{where} ({qid}): type must be single or multiple")
        options, option_ids = [], set()
        for raw in item.get("options") or []:
            oid = str(raw.get("id") or "") if isinstance(raw, dict) else ""
            if not oid or oid in option_ids:
                raise ContentError(path, f"{where} ({qid}): missing or duplicate option id")
            option_ids.add(oid)
            options.append(Option(oid, _bilingual(raw.get("text"), path,
                                                   f"{qid} option {oid}"),
                                  bool(raw.get("correct"))))
        if len(options) < 2:
            raise ContentError(path, f"{where} ({qid}): needs at least two options")
        correct = sum(option.correct for option in options)
        if correct == 0:
            raise ContentError(path, f"{where} ({qid}): quiz question without a correct answer")
        if kind == "single" and correct != 1:
            raise ContentError(path, f"{where} ({qid}): a single-choice question needs "
                                     "exactly one correct answer")
        questions.append(Question(
            qid, kind, _bilingual(item.get("text"), path, f"{qid} text"), tuple(options),
            _bilingual(item.get("explanation"), path, f"{qid} explanation")))
    return tuple(questions), _quiz_rules(data, path, len(questions))


def _load_course(folder: Path, course_slugs: set[str]) -> Course:
    path = folder / "course.md"
    meta = _read_frontmatter(path).metadata
    slug = meta.get("slug")
    if slug != folder.name or not _SLUG.match(str(slug)):
        raise ContentError(path, f"slug {slug!r} must equal the folder name {folder.name!r}")
    topics = tuple(meta.get("topics") or ())
    if not topics or any(topic not in TOPICS for topic in topics):
        raise ContentError(path, f"topics must be among {', '.join(TOPICS)}")
    if meta.get("level") not in LEVELS:
        raise ContentError(path, f"level must be one of {', '.join(LEVELS)}")
    hours = meta.get("hours")
    if not isinstance(hours, int | float) or not 0 < hours <= 200:
        raise ContentError(path, "hours must be a number of hours")
    sdgs = tuple(meta.get("sdgs") or ())
    if any(not isinstance(n, int) or not 1 <= n <= 17 for n in sdgs):
        raise ContentError(path, "sdgs must be SDG numbers from 1 to 17")
    pass_mark = meta.get("pass_mark")
    if not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100:
        raise ContentError(path, "pass_mark must be a percentage from 1 to 100")
    slugs = list(meta.get("lessons") or [])
    if not slugs:
        raise ContentError(path, "the course lists no lessons")
    if len(set(slugs)) != len(slugs):
        raise ContentError(path, "duplicate slug in the lesson list")
    lessons = []
    for position, lesson_slug in enumerate(slugs, start=1):
        if not _SLUG.match(str(lesson_slug)) or lesson_slug in RESERVED:
            raise ContentError(path, f"lesson slug {lesson_slug!r} is not a valid slug")
        titles, html, words = {}, {}, {}
        for lang in LANGS:
            lesson_path = folder / "lessons" / f"{lesson_slug}.{lang}.md"
            if not lesson_path.is_file():
                raise ContentError(lesson_path, f"missing translation ({lang}) of lesson "
                                                f"{lesson_slug}")
            post = _read_frontmatter(lesson_path)
            title = post.metadata.get("title")
            if not isinstance(title, str) or not title.strip():
                raise ContentError(lesson_path, "the lesson has no title")
            if not post.content.strip():
                raise ContentError(lesson_path, "the lesson is empty")
            _links(post.content, lesson_path, set(slugs), course_slugs)
            titles[lang] = title.strip()
            html[lang] = _render(post.content, lang, slug)
            words[lang] = len(post.content.split())
        lessons.append(Lesson(lesson_slug, position, titles, html, words))
    listed = {f"{s}.{lang}.md" for s in slugs for lang in LANGS}
    for extra in sorted((folder / "lessons").glob("*.md")):
        if extra.name not in listed:
            raise ContentError(extra, "lesson file not listed in course.md")
    questions, quiz = _load_quiz(folder / "quiz.yml")
    return Course(
        slug=slug, title=_bilingual(meta.get("title"), path, "title"),
        summary=_bilingual(meta.get("summary"), path, "summary"), topics=topics,
        level=CourseLevel(meta["level"]), hours=float(hours), sdgs=sdgs, pass_mark=pass_mark,
        lessons=tuple(lessons), questions=questions, quiz=quiz,
        _by_slug={lesson.slug: lesson for lesson in lessons},
    )


def load_catalogue(directory: Path = CONTENT_DIR) -> Catalogue:
    """Read, validate and render every course under ``directory`` (cached until a file
    changes: the app factory runs once per worker, the test suite many times)."""
    files = sorted(directory.rglob("*")) if directory.is_dir() else []
    signature = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    return _load(directory, signature)


@lru_cache(maxsize=4)
def _load(directory: Path, signature) -> Catalogue:
    folders = sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    course_slugs = {folder.name for folder in folders}
    return Catalogue(tuple(_load_course(folder, course_slugs) for folder in folders))
