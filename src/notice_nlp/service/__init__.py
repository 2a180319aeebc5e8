"""HTTP service and web page for notice_nlp (extra ``[service]``: FastAPI + uvicorn).

``notice-nlp serve [--host 127.0.0.1] [--port 8000]`` runs it; in code::

    from notice_nlp.service import create_app, Settings
    app = create_app(Settings(api_key="…"))

or ``uvicorn --factory notice_nlp.service.app:create_app``. Endpoints, limits and security are
described in ``docs/service.md``. Importing this package does no work (FastAPI is imported only
when :func:`create_app` is first used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from notice_nlp.service.app import Settings, create_app

__all__ = ["create_app", "Settings"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from notice_nlp.service import app as _app

        value = getattr(_app, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'notice_nlp.service' has no attribute {name!r}")
