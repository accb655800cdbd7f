"""Facts about the call rather than the family: who is calling, whether the family knows, and the
child's own words. All phrase lists come from the corpus."""

from __future__ import annotations

from assistant.extract.analysis import Analyser, CallText
from assistant.extract.mentions import quote_bounds
from assistant.records import CallerInfo, ChildVoice, Evidence

_TURN_DECAY = 0.6  # each later caller turn counts this much less when naming a role


def _evidence(call: CallText, turn: int, lo: int, hi: int) -> Evidence:
    t = call.transcript.turns[turn]
    return Evidence(quote=t.text[lo:hi], turn=turn, start=t.start, end=t.end)


def caller_role(analyser: Analyser, call: CallText) -> CallerInfo:
    cfg = analyser.knowledge.caller_roles
    strings = analyser.nlp.vocab.strings
    scores: dict[str, float] = {}
    where: dict[str, tuple[float, int, int, int]] = {}
    caller_turns = [i for i, t in enumerate(call.transcript.turns) if t.speaker in {"caller", "unknown"}]
    for rank, turn in enumerate(caller_turns[:8]):
        doc = call.docs[turn]
        selfs = [e for _, _, e in analyser.self_reference(doc)]
        matches = sorted(analyser.roles(doc), key=lambda m: (m[1], -(m[2] - m[1])))
        taken_until = -1
        for key, start, end in matches:
            if start < taken_until:
                continue  # a longer phrase at this place already counted ("probation officer" over "officer")
            taken_until = end
            role = strings[key]
            introduced = any(0 <= start - e <= cfg.self_reference_window for e in selfs)
            if role in cfg.introduced_only and not introduced:
                continue
            weight = (3.0 if introduced else 1.0) * (_TURN_DECAY**rank) * (1.0 + 0.1 * (end - start))
            scores[role] = scores.get(role, 0.0) + weight
            if weight > where.get(role, (0.0, 0, 0, 0))[0]:
                sentence = next((s for s in call.by_turn.get(turn, []) if s.span.start <= start < s.span.end), None)
                lo, hi = quote_bounds(sentence.span, start, end) if sentence else (doc[start].idx, doc[end - 1].idx)
                where[role] = (weight, turn, lo, hi)
    if not scores:
        return CallerInfo(role=cfg.fallback)
    role = max(scores, key=lambda r: scores[r])
    _, turn, lo, hi = where[role]
    return CallerInfo(role=role, evidence=[_evidence(call, turn, lo, hi)])


def parents_aware(analyser: Analyser, call: CallText) -> tuple[str, list[Evidence]]:
    """yes / no / unknown: the caller's answer to the worker's question about it, else their own words."""
    turns = call.transcript.turns
    strings = analyser.nlp.vocab.strings
    # 1. the answer to a question about the family knowing
    for index, turn in enumerate(turns[:-1]):
        if turn.speaker != "worker" or turns[index + 1].speaker == "worker":
            continue
        questions = [s for s in call.by_turn.get(index, []) if s.is_question]
        if not any(analyser.aware_question(q.span.as_doc()) and analyser.family(q.span.as_doc()) for q in questions):
            continue
        answer_doc = call.docs[index + 1]
        stated = _stated(analyser, answer_doc, strings)
        if stated:
            verdict, lo, hi = stated
            return verdict, [_evidence(call, index + 1, lo, hi)]
        window = answer_doc[: analyser.knowledge.dialogue.answer_window].as_doc()
        polarity = [strings[k] for k, s, _ in sorted(analyser.answers(window), key=lambda m: m[1])]
        if polarity and polarity[0] in {"affirmative", "negative"}:
            first = call.by_turn.get(index + 1, [])
            if first:
                lo, hi = quote_bounds(first[0].span, first[0].span.start, first[0].span.start + 1)
                return ("yes" if polarity[0] == "affirmative" else "no"), [_evidence(call, index + 1, lo, hi)]
    # 2. a caller's own statement anywhere in the call
    for index, turn in enumerate(turns):
        if turn.speaker == "worker":
            continue
        stated = _stated(analyser, call.docs[index], strings)
        if stated:
            verdict, lo, hi = stated
            return verdict, [_evidence(call, index, lo, hi)]
    return "unknown", []


def _stated(analyser: Analyser, doc, strings) -> tuple[str, int, int] | None:  # type: ignore[no-untyped-def]
    matches = sorted(analyser.aware(doc), key=lambda m: (m[1], -(m[2] - m[1])))
    if not matches:
        return None
    key, start, end = matches[0]
    sent = doc[start].sent
    lo, hi = quote_bounds(sent, start, end)
    return ("yes" if strings[key] == "yes" else "no"), lo, hi


def child_voice(analyser: Analyser, call: CallText) -> list[ChildVoice]:
    cfg = analyser.knowledge.child_voice
    verbs, speakers, not_child = set(cfg.reporting_verbs), set(cfg.speakers), set(cfg.not_child)
    out: list[ChildVoice] = []
    for sentence in call.sentences:
        if sentence.speaker == "worker":
            continue
        span = sentence.span
        hit = False
        for token in span:
            if token.lemma_ not in verbs or token.pos_ not in {"VERB", "AUX"}:
                continue
            if token.dep_ in {"relcl", "pcomp", "acl"} or any(c.tag_ in {"WP", "WDT"} for c in token.children):
                continue  # "what he said", "the thing she told me": a reference, not the words
            nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
            direct = nxt is not None and nxt.text in {",", ":", '"', "“", "'"}
            if not direct and not any(c.dep_ in {"ccomp", "xcomp"} for c in token.children):
                continue  # words are reported only where the verb carries them
            subjects = [c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}]
            for subj in subjects:
                words = {subj.lower_, subj.lemma_} | {t.lower_ for t in subj.subtree}
                if words & not_child:
                    continue
                if subj.lower_ in speakers or subj.lemma_ in speakers or subj.ent_type_ == "PERSON" or (
                    subj.pos_ == "PROPN"
                ):
                    hit = True
            if hit:
                break
        if not hit and analyser.voice_phrases is not None and analyser.voice_phrases(span.as_doc()):
            hit = True
        if hit:
            lo, hi = quote_bounds(span)
            turn = call.transcript.turns[sentence.turn]
            out.append(ChildVoice(quote=turn.text[lo:hi], turn=sentence.turn, start=turn.start, end=turn.end))
    return out
