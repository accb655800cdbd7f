"""Reading a practice-lead file of corpus/ (YAML) into its validated model, with one message format
for every such file: the path, then the entry (by id where it has one) and the problem."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def read_mapping(path: Path, error: type[Exception]) -> tuple[dict[str, Any], str]:
    """The file's top-level mapping and a short hash of its bytes; `error` names what is wrong."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise error(f"{path}: file is missing (restore it, or check FRONTDOOR_CORPUS_DIR)") from exc
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        data: Any = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    return data, hashlib.sha256(raw).hexdigest()[:12]


def validate(model: type[M], data: dict[str, Any], path: Path, error: type[Exception]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = where_in(tuple(err["loc"]), data)
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {msg}" if where else msg)
        raise error(f"{path}: " + "; ".join(problems)) from exc


def load_model(path: Path, model: type[M], error: type[Exception]) -> tuple[M, str]:
    """The validated model of a corpus file and a short hash of its bytes."""
    data, digest = read_mapping(path, error)
    return validate(model, data, path, error), digest


def where_in(loc: tuple[Any, ...], data: Any) -> str:
    """A validation error's location, naming list entries by their id where they have one:
    "factors.3 (id neglect).cues"."""
    parts = [str(x) for x in loc]
    node = data
    for i, key in enumerate(loc):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
            if isinstance(node, dict) and "id" in node:
                parts[i] = f"{key} (id {node['id']})"
        else:
            break
    return ".".join(parts)
