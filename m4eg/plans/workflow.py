"""The review machinery shared by plans and monitoring reports: a status move that two people
acting at once cannot both make, the frozen revision of what was submitted, comment threads
(a plan's and its reports' are rows of one table) and the line diff between two versions."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..core.time import utcnow
from ..extensions import db
from .drafting import clean_text, record_event
from .errors import PlanError
from .models import Comment, PlanAction

COMMENT_MAX = 5000


def move(obj, model, allowed_from, to_status: str, *, refused: Callable, raced: Callable) -> str:
    """Move ``obj`` (a row of ``model`` with ``status``, ``version`` and ``updated_at``) from
    one of ``allowed_from`` to ``to_status``; returns the status it left. The status seen is
    the UPDATE's condition: of two people acting at once (two reviewers, or a save racing a
    submission) only one moves it. ``refused()`` and ``raced()`` give the messages of the
    two refusals (read after the object holds its current status)."""
    if obj.status not in allowed_from:
        raise PlanError(refused())
    before = obj.status
    moved = db.session.execute(
        update(model).where(model.id == obj.id, model.status == before)
        .values(status=to_status, version=model.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.refresh(obj)
        raise PlanError(raced())
    db.session.expire(obj, ["status", "version", "updated_at"])
    return before


def freeze(model, owner_column, owner_id: int, content: dict, user):
    """A new frozen revision (``model``: number, content, submitted_by_id) of the record
    ``owner_id``, numbered after the last one."""
    number = (db.session.scalar(select(func.max(model.number))
                                .where(owner_column == owner_id)) or 0) + 1
    revision = model(number=number, content=content, submitted_by_id=getattr(user, "id", None))
    setattr(revision, owner_column.key, owner_id)
    db.session.add(revision)
    db.session.flush()
    return revision


# ---------------------------------------------------------------- comment threads


def thread_parent(parent_id: int | None, belongs: Callable[[Comment], bool]) -> Comment | None:
    """The comment that opened the thread ``parent_id`` (None for a new thread); refused when
    there is none, it is a reply itself, or ``belongs(comment)`` is false (another plan's,
    another report's)."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.parent_id is not None or not belongs(parent):
        raise PlanError(_l("This comment does not exist."), field="body")
    return parent


def write_comment(plan, user, section: str, body: str, *, parent: Comment | None = None,
                  **marks) -> Comment:
    """A new thread on ``section`` of the plan, or a reply to ``parent`` (in its section),
    recorded in the history; ``marks`` are further columns (``revision_id``, ``report_id``:
    then it belongs to that report's threads and history)."""
    body = clean_text(body)
    if not body:
        raise PlanError(_l("Write a comment first."), field="body")
    if len(body) > COMMENT_MAX:
        raise PlanError(_l("A comment can be at most 5,000 characters."), field="body")
    section = parent.block_key if parent is not None else section
    comment = Comment(plan_id=plan.id, block_key=section, body=body, author_id=user.id,
                      parent_id=parent.id if parent else None, **marks)
    db.session.add(comment)
    record_event(plan, user, PlanAction.REPLIED if parent else PlanAction.COMMENTED, None, None,
                 note=section, report_id=marks.get("report_id"))
    db.session.flush()
    return comment


def resolve_thread(plan, comment: Comment, user, *, resolved: bool = True) -> None:
    """Mark a thread resolved (or open again), in the history of the plan or of the report
    the comment is about."""
    if comment.parent_id is not None:
        raise PlanError(_l("Only a thread can be marked resolved, not a reply."))
    comment.resolved_at = utcnow() if resolved else None
    comment.resolved_by_id = user.id if resolved else None
    if resolved:
        record_event(plan, user, PlanAction.RESOLVED, None, None, note=comment.block_key,
                     report_id=comment.report_id)
    db.session.flush()


def threads(condition) -> dict[str, list[dict]]:
    """The threads of the comments matching ``condition``, per section and oldest first:
    ``{"comment": …, "replies": […]}`` (one query)."""
    grouped, opened = defaultdict(list), {}
    for comment in db.session.scalars(select(Comment).where(condition)
                                      .order_by(Comment.created_at, Comment.id)):
        if comment.parent_id is None:
            opened[comment.id] = {"comment": comment, "replies": []}
            grouped[comment.block_key].append(opened[comment.id])
        elif comment.parent_id in opened:
            opened[comment.parent_id]["replies"].append(comment)
    return grouped


# ---------------------------------------------------------------- diffs

# Lines of a section compared at most: past it (after the common start and end are set aside)
# the changed middle is shown as replaced, so no history view costs more than a bounded work.
DIFF_MAX_LINES = 2000


def diff_lines(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """(kind, line) for two lists of lines: "same", "removed" or "added". Line by line with
    difflib's SequenceMatcher (ndiff's character-level pass over similar lines made a history
    view of 120 similar table rows take half a minute)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while (tail < min(len(old), len(new)) - head
           and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]):
        tail += 1
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    lines = [("same", line) for line in old[:head]]
    if len(a) > DIFF_MAX_LINES or len(b) > DIFF_MAX_LINES:
        lines += [("removed", line) for line in a] + [("added", line) for line in b]
    else:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=True)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                lines += [("same", line) for line in a[a1:a2]]
                continue
            lines += [("removed", line) for line in a[a1:a2]]
            lines += [("added", line) for line in b[b1:b2]]
    lines += [("same", line) for line in old[len(old) - tail:]]
    return lines


def diff_sections(sections: Iterable[tuple[str, str]], before: dict[str, list],
                  after: dict[str, list]) -> list[dict]:
    """A readable diff per section (key, title) between two versions as lines per section
    key: ``{"key", "title", "lines", "changed"}`` each."""
    result = []
    for key, title in sections:
        lines = diff_lines(before.get(key, []), after.get(key, []))
        result.append({"key": key, "title": str(title), "lines": lines,
                       "changed": any(kind != "same" for kind, _line in lines)})
    return result


def compare(revisions: list, a: int | None, b: int | None, current: dict, diff: Callable):
    """What a history page compares: revisions ``a`` and ``b`` (by number; by default the
    last two), or with one revision that revision and ``current``; ``diff(old, new)`` makes
    the comparison. Returns (a, b, comparison or None)."""
    numbers = [r.number for r in revisions]
    if len(revisions) >= 2:
        a = a if a in numbers else numbers[-2]
        b = b if b in numbers else numbers[-1]
        by_number = {r.number: r for r in revisions}
        return a, b, diff(by_number[a].content, by_number[b].content)
    if revisions:
        return a, b, diff(revisions[0].content, current)
    return a, b, None
