"""The quiz draw rule and what a learner reviews after failing; plain functions, no request.

A draw has `count` statements (15 by default), every assessment criterion at least twice, between
40% and 60% true statements (6 to 9 of 15), every topic at least once where the count allows,
and as few statements from `avoid` (the learner's previous attempt) as the bank allows.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from .loader import Content, Quiz, Slide, Statement

MIN_PER_CRITERION = 2
TRUE_SHARE = (0.4, 0.6)


def true_bounds(count: int) -> tuple[int, int]:
    """How many true statements a draw of `count` may hold: 6 to 9 of 15, 6 to 8 of 14."""
    low, high = math.ceil(count * TRUE_SHARE[0] - 1e-9), math.floor(count * TRUE_SHARE[1] + 1e-9)
    return low, max(low, high)


def per_criterion(count: int, criteria: Collection[str]) -> int:
    """Statements each criterion needs: two, unless the draw is too small for that."""
    if not criteria:
        return 0
    return min(MIN_PER_CRITERION, count // len(criteria))


@dataclass(frozen=True)
class DrawCheck:
    """How one draw measures against the rule (for tests and the content check)."""

    count: int
    true: int
    per_criterion: Mapping[str, int]
    topics_missing: tuple[str, ...]
    distinct: bool

    def problems(self, quiz: Quiz, count: int) -> list[str]:
        out = []
        if self.count != count or not self.distinct:
            out.append(f"{self.count} statements drawn, {count} distinct wanted")
        low, high = true_bounds(count)
        if not low <= self.true <= high:
            out.append(f"{self.true} true statements, {low} to {high} wanted")
        need = per_criterion(count, quiz.criteria)
        for criterion in quiz.criteria:
            if self.per_criterion.get(criterion, 0) < need:
                out.append(f"criterion {criterion}: {self.per_criterion.get(criterion, 0)} "
                           f"statement(s), at least {need} wanted")
        return out


def check_draw(quiz: Quiz, ids: Iterable[str]) -> DrawCheck:
    """Measure a drawn list of statement ids (ids not in the bank are left out)."""
    ids = list(ids)
    bank = quiz_ids(quiz)
    known = [quiz.statement(i) for i in ids if i in bank]
    return DrawCheck(
        count=len(ids), true=sum(s.answer for s in known),
        per_criterion=dict(Counter(s.criterion for s in known)),
        topics_missing=tuple(t for t in quiz.topics if t not in {s.topic for s in known}),
        distinct=len(set(ids)) == len(ids),
    )


def quiz_ids(quiz: Quiz) -> frozenset[str]:
    return frozenset(s.id for s in quiz.statements)


def draw_statements(quiz: Quiz, rng: random.Random | None = None, count: int | None = None,
                    avoid: Collection[str] = ()) -> list[str]:
    """Statement ids for one attempt, in random order; see the module docstring for the rule.

    `count` defaults to the bank's draw (15); pass one less when the attempt adds the mission's
    own Focal Point statement. `avoid` is the previous attempt's ids: a retake draws other
    statements wherever the bank has enough of them.
    """
    rng = rng or random.SystemRandom()
    count = quiz.draw if count is None else count
    avoid = frozenset(avoid)
    best: list[Statement] | None = None
    best_cost: tuple[int, int, int] | None = None
    # a handful of randomized tries; the first is almost always already as good as it gets
    for _try in range(8):
        picked = _construct(quiz, rng, count, avoid)
        check = check_draw(quiz, [s.id for s in picked])
        cost = (len(check.problems(quiz, count)), sum(s.id in avoid for s in picked),
                len(check.topics_missing))
        if best_cost is None or cost < best_cost:
            best, best_cost = picked, cost
        if cost[0] == 0 and cost[2] == 0 and cost[1] == _least_overlap(quiz, count, avoid):
            break
    if best_cost and best_cost[0]:
        # the bank cannot balance true and false: keep the criteria, drop the balance
        relaxed = _construct(quiz, rng, count, avoid, bounds=(0, count))
        if len(relaxed) > len(best or ()):
            best = relaxed
    ids = [s.id for s in _top_up(best or [], quiz, count, avoid, rng)]
    rng.shuffle(ids)
    return ids


def _least_overlap(quiz: Quiz, count: int, avoid: frozenset[str]) -> int:
    """A lower bound on how many avoided statements a draw must reuse."""
    fresh = [s for s in quiz.statements if s.id not in avoid]
    low, high = true_bounds(count)
    fresh_true = sum(s.answer for s in fresh)
    fresh_false = len(fresh) - fresh_true
    # each side of the balance must be filled from somewhere
    return max(0, count - len(fresh), low - fresh_true, (count - high) - fresh_false)


def _construct(quiz: Quiz, rng: random.Random, count: int, avoid: frozenset[str],
               bounds: tuple[int, int] | None = None) -> list[Statement]:
    """One greedy pass: criteria first, then topics, then the rest; fresh statements before
    avoided ones, in random order; never a choice that leaves the rule impossible to meet."""
    order = sorted(quiz.statements, key=lambda s: (s.id in avoid, rng.random()))
    criteria = list(quiz.criteria)
    need = per_criterion(count, criteria)
    low, high = bounds or true_bounds(count)
    chosen: list[Statement] = []
    taken: set[str] = set()
    per: Counter = Counter()
    trues = 0

    remaining = Counter((s.criterion, s.answer) for s in order)
    left_true = sum(s.answer for s in order)
    left_false = len(order) - left_true

    def fits(s: Statement) -> bool:
        """Whether taking `s` still leaves a way to complete a valid draw."""
        if s.id in taken or len(chosen) >= count:
            return False
        t = trues + s.answer
        f = len(chosen) + 1 - t
        if t > high or f > count - low:
            return False
        slots = count - len(chosen) - 1
        spare_true = left_true - s.answer
        spare_false = left_false - (not s.answer)
        # enough of each answer left to reach the balance
        if low - t > min(slots, spare_true) or (count - high) - f > min(slots, spare_false):
            return False
        short = forced_true = forced_false = 0
        for c in criteria:
            k = max(0, need - per[c] - (s.criterion == c))
            avail_t = remaining[(c, True)] - (s.criterion == c and s.answer)
            avail_f = remaining[(c, False)] - (s.criterion == c and not s.answer)
            if k > avail_t + avail_f:
                return False
            short += k
            forced_true += max(0, k - avail_f)
            forced_false += max(0, k - avail_t)
        return short <= slots and forced_true <= high - t and forced_false <= count - low - f

    def take(s: Statement) -> None:
        nonlocal trues, left_true, left_false
        chosen.append(s)
        taken.add(s.id)
        per[s.criterion] += 1
        trues += s.answer
        remaining[(s.criterion, s.answer)] -= 1
        if s.answer:
            left_true -= 1
        else:
            left_false -= 1

    rng.shuffle(criteria)
    for criterion in criteria:
        mine = [s for s in order if s.criterion == criterion]
        # first a fresh statement of a topic not drawn yet, so that the topics spread too
        for spread in (True, False):
            for s in mine:
                if per[criterion] >= need:
                    break
                if spread and (s.id in avoid or s.topic in {c.topic for c in chosen}):
                    continue
                if fits(s):
                    take(s)
    topics = list(quiz.topics)
    rng.shuffle(topics)
    covered = {s.topic for s in chosen}
    for topic in topics:
        if topic in covered:
            continue
        for s in order:  # fresh statements only: a topic never costs a repeat
            if s.topic == topic and s.id not in avoid and fits(s):
                take(s)
                covered.add(topic)
                break
    for s in order:
        if len(chosen) >= count:
            break
        if fits(s):
            take(s)
    return _repair_topics(chosen, quiz, avoid, need, (low, high), rng)


def _repair_topics(chosen: list[Statement], quiz: Quiz, avoid: frozenset[str], need: int,
                   bounds: tuple[int, int], rng: random.Random) -> list[Statement]:
    """Bring in a topic the greedy pass missed by swapping it for a statement whose topic is
    drawn twice, keeping the true/false balance and every criterion's minimum, and never
    adding a statement of the last attempt in place of a fresh one."""
    chosen = list(chosen)
    taken = {s.id for s in chosen}
    for topic in quiz.topics:
        topic_count = Counter(s.topic for s in chosen)
        if topic_count[topic]:
            continue
        per = Counter(s.criterion for s in chosen)
        trues = sum(s.answer for s in chosen)
        candidates = sorted((s for s in quiz.statements if s.topic == topic and s.id not in taken),
                            key=lambda s: (s.id in avoid, rng.random()))
        swapped = False
        for new in candidates:
            for i, old in enumerate(chosen):
                if (not bounds[0] <= trues - old.answer + new.answer <= bounds[1]
                        or topic_count[old.topic] < 2
                        or (old.criterion != new.criterion and per[old.criterion] <= need)
                        or (new.id in avoid and old.id not in avoid)):
                    continue
                chosen[i] = new
                taken.discard(old.id)
                taken.add(new.id)
                swapped = True
                break
            if swapped:
                break
    return chosen


def _top_up(picked: list[Statement], quiz: Quiz, count: int, avoid: frozenset[str],
            rng: random.Random) -> list[Statement]:
    """A bank that cannot meet the rule still gives a full attempt (the content check reports
    the bank): fresh statements first."""
    have = {s.id for s in picked}
    rest = sorted((s for s in quiz.statements if s.id not in have),
                  key=lambda s: (s.id in avoid, rng.random()))
    return picked + rest[: max(0, count - len(picked))]


def slides_to_review(content: Content, wrong_ids: Iterable[str],
                     extra: Mapping[str, str] | None = None) -> tuple[Slide, ...]:
    """The slides behind the statements a learner got wrong, once each, in presentation order.

    `extra` maps statements made for the attempt (the mission's Focal Point statement) to the
    slide id they rest on; ids found nowhere are left out.
    """
    slide_ids = set()
    bank = quiz_ids(content.quiz)
    for sid in wrong_ids:
        if sid in bank:
            slide_ids.add(content.quiz.statement(sid).slide)
        elif extra and sid in extra:
            slide_ids.add(extra[sid])
    return tuple(s for s in content.slides if s.id in slide_ids)


def slides_left_to_review(to_review: Iterable[Slide | str], viewed: Collection[str]
                          ) -> tuple[str, ...]:
    """Of the slides to review, the ids the learner has not opened since the failed attempt;
    the next attempt waits until this is empty."""
    ids = [s.id if isinstance(s, Slide) else s for s in to_review]
    return tuple(i for i in ids if i not in viewed)
