"""Small guidance corpora in tmp_path for the guidance tests (fake encoder, fast)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.guidance.questions import load_question_matching
from assistant.models import HashingEncoder
from assistant.records import CallerInfo, Evidence, Factor, Findings, Transcript, Turn
from assistant.settings import PROJECT_ROOT, Settings, load_settings

REAL_CORPUS = PROJECT_ROOT / "corpus"

EVERY_CALL = """---
id: front-door-every-call
title: What every consultation call should answer
factors: []
pathways: [advice_only]
---

## Key questions

- Does the family know about this call, and have they agreed to it?
- Where is the child right now, and will they be safe tonight?
"""

PHYSICAL = """---
id: factor-physical-abuse
title: Physical abuse
factors: [physical_abuse]
pathways: [child_protection]
source: test
version: 1
reviewed: 2026-11-01
---

## What it looks like

A bruise on the cheek, finger-mark bruises on the upper arm, a burn on the back of the hand.

## Thresholds and pathways

- **Child protection**: an injury the child says an adult caused, or any bruise on a non-mobile baby.

## Key questions

- Where exactly is the injury, and what does it look like in size, shape and colour?
- Has the child been seen by a doctor about the injury?
"""

NEGLECT = """---
id: factor-neglect
title: Neglect
factors: [neglect]
pathways: [early_help, child_in_need]
---

## What it looks like

Always hungry, the same clothes all week, head lice for months, rotten teeth.

## Thresholds and pathways

- **Child in need**: neglect persisting despite early help.

## Key questions

- Which needs are not being met: food, hygiene, clothing, supervision, health, or emotional warmth?
"""

PATHWAY_CP = """---
id: pathway-child-protection
title: "Pathway: child protection"
factors: []
pathways: [child_protection]
---

## What justifies it

Reasonable cause to suspect significant harm.

## What would change the decision

Information that the injury was accidental.
"""


class CountingEncoder(HashingEncoder):
    """The hashing fake, counting how many texts it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        return super().encode(texts)


def make_corpus(root: Path, pages: dict[str, str] | None = None) -> Settings:
    """A corpus folder with the real rules files and the given guidance pages; state in root/data."""
    corpus = root / "corpus"
    (corpus / "guidance").mkdir(parents=True)
    for name in ("pathway_rules.yaml", "question_matching.yaml", "search_vocabulary.yaml"):
        shutil.copyfile(REAL_CORPUS / name, corpus / name)
    pages = pages if pages is not None else default_pages()
    for name, text in pages.items():
        (corpus / "guidance" / name).write_text(text, encoding="utf-8")
    return load_settings(data_dir=root / "data", corpus_dir=corpus, use_classifier=False)


def default_pages() -> dict[str, str]:
    return {
        "every-call.md": EVERY_CALL,
        "physical.md": PHYSICAL,
        "neglect.md": NEGLECT,
        "pathway-cp.md": PATHWAY_CP,
    }


def transcript(*turns: tuple[str, str], call_id: str = "t-1") -> Transcript:
    return Transcript(id=call_id, turns=[Turn(speaker=s, text=t) for s, t in turns])  # type: ignore[arg-type]


def findings(*factors: tuple[str, str, str], parents_aware: str = "unknown", quote_turn: int = 0) -> Findings:
    """factors: (factor, kind, status)."""
    return Findings(
        caller=CallerInfo(role="school"),
        factors=[
            Factor(
                factor=f,
                kind=k,  # type: ignore[arg-type]
                status=s,  # type: ignore[arg-type]
                confidence=0.9,
                evidence=[Evidence(quote="x", turn=quote_turn)],
            )
            for f, k, s in factors
        ],
        parents_aware=parents_aware,  # type: ignore[arg-type]
        child_voice=[],
    )


def write_matching(tmp_path: Path, body: str) -> Path:
    """A matching file with the shipped thresholds and the given question entries."""
    shipped, _ = load_question_matching(REAL_CORPUS)
    thresholds = ", ".join(f"{k}: {v}" for k, v in shipped.thresholds.items())
    (tmp_path / "question_matching.yaml").write_text(
        f'version: "t"\nevery_call_page: front-door-every-call\nthresholds: {{{thresholds}}}\n' + body,
        encoding="utf-8",
    )
    return tmp_path
