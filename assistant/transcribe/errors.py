"""The one error the transcription stage raises for a recording it cannot use."""

from __future__ import annotations

from pathlib import Path


class AudioError(ValueError):
    """A recording cannot be transcribed. The message names the file and says what to do."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name}: {problem}")
