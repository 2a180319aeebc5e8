"""Loading the labelled SMS corpus (``corpora/sms``): JSONL files of messages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notice_nlp.screening.cues import tag_info
from notice_nlp.screening.verdict import LABELS

__all__ = ["Message", "load_corpus", "corpus_hash"]

SURFACE_TAGS = {"obfuscation", "url_obfuscated"}


@dataclass(frozen=True)
class Message:
    id: str
    text: str
    label: str
    tags: tuple[str, ...]
    family: str
    script: str = "simplified"
    difficulty: str = "medium"
    meta: dict[str, Any] = field(default_factory=dict)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such corpus file or folder")
    parts = path / "parts"
    folder = parts if parts.is_dir() else path
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"{path}: no .jsonl files")
    return files


def load_corpus(path: str | Path) -> list[Message]:
    """Messages of a corpus file or folder (``<folder>/parts/*.jsonl`` or ``<folder>/*.jsonl``)."""
    known = set(tag_info())
    out: list[Message] = []
    seen: set[str] = set()
    for file in _files(Path(path)):
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            where = f"{file.name}:{n}"
            label = obj["label"]
            if label not in LABELS:
                raise ValueError(f"{where}: unknown label {label!r}")
            tags = tuple(obj.get("tags", ()))
            bad = [t for t in tags if t not in known]
            if bad:
                raise ValueError(f"{where}: unknown tag(s) {bad}")
            mid = str(obj["id"])
            if mid in seen:
                raise ValueError(f"{where}: duplicate id {mid}")
            seen.add(mid)
            meta = {k: obj[k] for k in ("sender", "received_at", "recipient_role") if obj.get(k)}
            out.append(
                Message(mid, obj["text"], label, tags, str(obj.get("family") or mid),
                        obj.get("script", "simplified"), obj.get("difficulty", "medium"), meta)
            )
    return out


def corpus_hash(messages: list[Message]) -> str:
    h = hashlib.sha256()
    for m in messages:
        h.update(json.dumps([m.id, m.text, m.label, list(m.tags), m.family, m.meta], ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()[:16]
