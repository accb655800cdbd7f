"""Caller role and parents_aware only: spaCy analysis and the call facts over a folder of labelled
calls (no classifier, no guidance), so cue changes in corpus/ can be checked in seconds.

    .venv/bin/python -m evals.call_facts_eval evals/data/dev [--errors] [--only role|aware]
    .venv/bin/python -m evals.call_facts_eval --phrasings [FILE] [--errors]

Prints accuracy, a confusion table (gold rows, predicted columns) and, with --errors, every error
with the words that decided it (turn and quote), and the caller's first turns for a wrong role.
--phrasings scores parents_aware on a set of short written exchanges instead (by default
tests/data/parents_aware_phrasings.yaml: a list of {id, expected, turns: [{worker|caller: text}]}).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

PHRASINGS = Path(__file__).resolve().parent.parent / "tests" / "data" / "parents_aware_phrasings.yaml"
GREETING = "Children's Advice and Duty Service, how can I help?"


def load_phrasings(path: Path = PHRASINGS) -> list[tuple[str, str, Any]]:
    """(id, expected, transcript) for each exchange of a phrasing set; each follows the greeting."""
    import yaml

    from assistant.records import Transcript, Turn

    out: list[tuple[str, str, Any]] = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        expected = item["expected"]
        if expected not in {"yes", "no", "unknown"}:
            raise ValueError(f"{path}: {item['id']}: expected must be 'yes', 'no' or 'unknown' (quoted)")
        turns = [Turn(speaker="worker", text=GREETING)]
        for turn in item["turns"]:
            ((speaker, text),) = turn.items()
            if speaker not in {"worker", "caller"}:
                raise ValueError(f"{path}: {item['id']}: speaker {speaker!r} is not worker or caller")
            turns.append(Turn(speaker=speaker, text=text))
        out.append((item["id"], expected, Transcript(id=item["id"], turns=turns, source=str(path))))
    return out


def score_phrasings(analyser: Any, path: Path = PHRASINGS) -> tuple[list[tuple[str, str]], list[str]]:
    """(gold, predicted) pairs and one line per error for the parents_aware phrasing set."""
    from assistant.extract.call_facts import parents_aware

    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    for name, expected, transcript in load_phrasings(path):
        verdict, evidence = parents_aware(analyser, analyser.analyse(transcript))
        pairs.append((expected, verdict))
        if verdict != expected:
            why = "; ".join(f'turn {e.turn}: "{e.quote}"' for e in evidence) or "nothing said"
            errors.append(f"{name}: expected {expected}, got {verdict} ({why})")
    return pairs, errors


def _table(pairs: list[tuple[str, str]], labels: list[str]) -> str:
    counts = Counter(pairs)
    used = [x for x in labels if any(x in p for p in counts)]
    width = max(len(x) for x in used) + 1
    head = "gold \\ pred".ljust(width) + " ".join(x[:7].rjust(7) for x in used)
    rows = [head]
    for gold in used:
        cells = " ".join(str(counts.get((gold, pred), "") or ".").rjust(7) for pred in used)
        rows.append(gold.ljust(width) + cells)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="*")
    parser.add_argument(
        "--phrasings", type=Path, nargs="?", const=PHRASINGS, help="score parents_aware on a phrasing set instead"
    )
    parser.add_argument("--errors", action="store_true", help="print every error with its deciding words")
    parser.add_argument("--only", choices=["role", "aware"], help="report one of the two facts")
    args = parser.parse_args(argv)

    from assistant.offline import go_offline

    go_offline()
    from assistant.extract.analysis import Analyser
    from assistant.extract.call_facts import caller_role, parents_aware
    from assistant.knowledge import load_knowledge
    from assistant.labelled import load_labelled_dir
    from assistant.models import load_spacy
    from assistant.records import CALLER_ROLES
    from assistant.settings import PROJECT_ROOT, load_settings

    analyser = Analyser(load_spacy(load_settings()), load_knowledge(PROJECT_ROOT / "corpus"))
    if args.phrasings is not None:
        pairs, errors = score_phrasings(analyser, args.phrasings)
        hits = sum(g == p for g, p in pairs)
        print(f"parents_aware phrasings: {hits}/{len(pairs)} = {hits / len(pairs):.3f}")
        print(_table(pairs, ["yes", "no", "unknown"]))
        if args.errors and errors:
            print("\n-- errors")
            print("\n".join(errors))
        return 0
    if not args.folder:
        parser.error("give a folder of labelled calls, or --phrasings")
    calls = [c for folder in args.folder for c in load_labelled_dir(folder)]
    roles: list[tuple[str, str]] = []
    awares: list[tuple[str, str]] = []
    role_errors: list[str] = []
    aware_errors: list[str] = []
    for labelled in calls:
        text = analyser.analyse(labelled.transcript)
        turns = labelled.transcript.turns
        name = labelled.transcript.id
        if args.only != "aware":
            found = caller_role(analyser, text)
            roles.append((labelled.gold.caller_role, found.role))
            if found.role != labelled.gold.caller_role:
                why = "; ".join(f'turn {e.turn}: "{e.quote}"' for e in found.evidence) or "no role words"
                firsts = [f"    [{i}] {t.text}" for i, t in enumerate(turns) if t.speaker != "worker"][:2]
                role_errors.append(
                    f"{name}: gold {labelled.gold.caller_role}, got {found.role} ({why})\n" + "\n".join(firsts)
                )
        if args.only != "role":
            verdict, evidence = parents_aware(analyser, text)
            awares.append((labelled.gold.parents_aware, verdict))
            if verdict != labelled.gold.parents_aware:
                why = "; ".join(f'turn {e.turn} ({turns[e.turn].speaker}): "{e.quote}"' for e in evidence)
                aware_errors.append(
                    f"{name}: gold {labelled.gold.parents_aware}, got {verdict} ({why or 'nothing said'})"
                )
    n = len(calls)
    if roles:
        hits = sum(g == p for g, p in roles)
        print(f"caller role: {hits}/{n} = {hits / n:.3f}")
        print(_table(roles, list(CALLER_ROLES)))
    if awares:
        hits = sum(g == p for g, p in awares)
        print(f"\nparents_aware: {hits}/{n} = {hits / n:.3f}")
        print(_table(awares, ["yes", "no", "unknown"]))
    if args.errors:
        if role_errors:
            print("\n-- caller role errors")
            print("\n".join(role_errors))
        if aware_errors:
            print("\n-- parents_aware errors")
            print("\n".join(aware_errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
