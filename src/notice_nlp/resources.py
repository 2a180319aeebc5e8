"""Access to the rule files shipped with the package.

The repository keeps every hand-written rule under the top-level ``rules/`` folder; the wheel
carries it as ``notice_nlp/rules`` (see ``pyproject.toml``). Everything reads rules through
:func:`rules_path`, which uses :mod:`importlib.resources` on the installed package. In an
editable (development) install the package folder has no ``rules/``; then the repository's own
``rules/`` beside ``src/`` is used, so a rule edit is live without a reinstall.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

__all__ = ["rules_root", "rules_path", "load_toml", "load_json", "read_text", "rules_version"]


@functools.cache
def rules_root() -> Traversable:
    """The folder that holds the rule files (installed package data first)."""
    packaged = resources.files("notice_nlp") / "rules"
    if packaged.is_dir():
        return packaged
    repo_rules = Path(__file__).resolve().parents[2] / "rules"
    if repo_rules.is_dir():
        return repo_rules
    raise FileNotFoundError(
        "notice_nlp rule files not found: the installation is incomplete (no notice_nlp/rules)"
    )


def rules_path(*parts: str) -> Traversable:
    node = rules_root()
    for part in parts:
        node = node / part
    return node


def read_text(*parts: str) -> str:
    return rules_path(*parts).read_text(encoding="utf-8")


@functools.cache
def load_toml(*parts: str) -> dict[str, Any]:
    """Parse a TOML rule file once per process (the result must be treated as read-only)."""
    return tomllib.loads(read_text(*parts))


@functools.cache
def load_json(*parts: str) -> Any:
    return json.loads(read_text(*parts))


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            out.extend(_walk(child, name + "/"))
        elif not child.name.startswith("."):
            out.append((name, child))
    return out


@functools.cache
def rules_version() -> str:
    """A short content hash of every rule file: results carry it so they can be traced."""
    digest = hashlib.sha256()
    for name, node in _walk(rules_root()):
        if name.endswith((".pyc",)) or "/model/" in f"/{name}":
            continue
        digest.update(name.encode())
        digest.update(node.read_bytes())
    return digest.hexdigest()[:12]
