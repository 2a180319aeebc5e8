"""The FastAPI application: JSON API under ``/v1``, a web page at ``/``, health at ``/healthz``.

Design points (see ``docs/service.md``):

- The pipeline (screening model, rules, jieba, OpenCC, article analyser) loads once, in the
  lifespan start-up, by screening and analysing a warm-up text; a missing model stops start-up.
  Then ``gc.freeze()`` moves it out of the garbage collector's way (process-wide: meant for a
  process that serves).
- One pure-ASGI guard in front of the app does, in this order, for ``/v1/*``: API key (401),
  content type of POST bodies (415), body size (413, before any JSON parsing). It stamps every
  response with ``X-Request-ID``, ``X-Model-Version``, ``X-Rules-Version`` and security headers
  (a strict Content-Security-Policy on the page) and writes one log line per request.
- Log lines carry request id, method, route, status, request/response sizes and duration —
  never message text, query strings, unknown paths or exception messages (they may quote text).
- Concurrent ``POST /v1/screen`` requests are screened together (:class:`_Coalescer`): part of
  the cost of a ``screen()`` call is per call, so batching raises throughput under load.
- ``POST /v1/screen`` is the hot path, so a valid request is answered by the guard itself
  (:func:`create_app`'s ``screen_fast``): one pydantic ``model_validate_json`` of the body, the
  coalescer, and the verdict encoded straight to JSON bytes (orjson serialises the ``Verdict``
  dataclass as ``to_dict()`` would, ~15x faster than ``dataclasses.asdict``). Everything else — an
  invalid body, a text over the limit — goes on to the FastAPI route, which answers exactly as
  before; the route also documents the endpoint in OpenAPI. Responses are built as bytes rather
  than validated again against their ``response_model`` (which stays, for the schema).
- Nothing here ever opens a URL found in a text: screening and analysis are pure computations.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import hmac
import json
import logging
import os
import re
import secrets
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from notice_nlp._version import __version__
from notice_nlp.service.models import (
    AnalyzeRequest,
    ArticleReportModel,
    BatchRequest,
    BatchResponse,
    ErrorResponse,
    HealthResponse,
    LabelsResponse,
    ScreenRequest,
    VerdictModel,
)

try:  # in the [service] extra; without it the standard library's json does the same, slower
    import orjson
except ImportError:  # pragma: no cover - exercised by monkeypatching _orjson in the tests
    orjson = None  # type: ignore[assignment]
_orjson = orjson

__all__ = ["Settings", "create_app", "ApiError"]

log = logging.getLogger("notice_nlp.service")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_KNOWN_PATHS = frozenset(
    {"/", "/healthz", "/v1/screen", "/v1/screen/batch", "/v1/analyze", "/v1/labels", "/docs", "/docs/oauth2-redirect",
     "/redoc", "/openapi.json", "/static/app.js", "/static/app.css", "/favicon.ico"}
)
_STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: the page and its assets: scripts and styles from this origin only, no inline code, no framing
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
_JSON_BYTES_PER_CHAR = 6  # worst case of one character in JSON: a \uXXXX escape
#: a small batch of single messages is screened on the event loop: a hop to a worker thread costs
#: more than screening it; a larger one goes to a thread so the loop keeps answering meanwhile
_INLINE_SCREEN_CHARS = 2_000


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "item"):  # numpy scalar
        return obj.item()
    if hasattr(obj, "tolist"):  # numpy array
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON. Dataclasses (a ``Verdict``) come out as ``to_dict()`` would give them."""
    if _orjson is not None:
        return _orjson.dumps(obj, default=_json_default, option=_orjson.OPT_SERIALIZE_NUMPY)
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_json_default).encode()


class FastJSONResponse(JSONResponse):
    """``application/json`` rendered by :func:`dumps`; returned as-is by a route (no re-validation)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value


@dataclass(frozen=True)
class Settings:
    """Limits and the optional API key. :meth:`from_env` reads ``NOTICE_NLP_*`` variables."""

    max_message_chars: int = 10_000
    max_batch: int = 1_000
    max_article_chars: int = 2_000_000
    api_key: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            max_message_chars=_env_int("NOTICE_NLP_MAX_MESSAGE_CHARS", cls.max_message_chars),
            max_batch=_env_int("NOTICE_NLP_MAX_BATCH", cls.max_batch),
            max_article_chars=_env_int("NOTICE_NLP_MAX_ARTICLE_CHARS", cls.max_article_chars),
            api_key=os.environ.get("NOTICE_NLP_API_KEY") or None,
        )

    def max_body_bytes(self, path: str) -> int:
        """Upper bound of a request body for ``path`` (checked before JSON parsing)."""
        slack = 64 * 1024
        if path == "/v1/screen":
            return self.max_message_chars * _JSON_BYTES_PER_CHAR + slack
        if path == "/v1/screen/batch":
            return self.max_batch * (self.max_message_chars * _JSON_BYTES_PER_CHAR + 1024) + slack
        if path == "/v1/analyze":
            return self.max_article_chars * _JSON_BYTES_PER_CHAR + slack
        return slack


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


@dataclass
class _State:
    settings: Settings
    model_version: str = "unloaded"
    rules_version: str = ""
    labels: dict[str, Any] = field(default_factory=dict)
    static: dict[str, bytes] = field(default_factory=dict)

    def versions(self) -> dict[str, str]:
        return {"model_version": self.model_version, "rules_version": self.rules_version}


# ----------------------------------------------------------------------------- pipeline


def _static_file(name: str) -> bytes:
    return (resources.files("notice_nlp.service") / "static" / name).read_bytes()


def _labels_payload(settings: Settings) -> dict[str, Any]:
    from notice_nlp.resources import load_toml
    from notice_nlp.screening.cues import tag_info

    spec = load_toml("screening", "tags.toml")
    labels = [
        {"id": lid, "zh": v.get("zh", ""), "en": v.get("en", ""), "description_en": v.get("description_en", "")}
        for lid, v in spec.get("labels", {}).items()
    ]
    tags = [{"id": t.id, "label": t.label, "zh": t.zh, "en": t.en, "citation": t.citation} for t in tag_info().values()]
    themes = [
        {"id": t["id"], "label_zh": t.get("label_zh", ""), "kind": t.get("kind", ""), "group": t.get("group", "")}
        for t in load_toml("themes", "taxonomy.toml").get("theme", [])
    ]
    return {
        "labels": labels,
        "tags": tags,
        "citations": dict(spec.get("citations", {})),
        "themes": themes,
        "limits": {
            "max_message_chars": settings.max_message_chars,
            "max_batch": settings.max_batch,
            "max_article_chars": settings.max_article_chars,
        },
    }


_WARM_MESSAGE = "【测试银行】您好，您的账单已逾期，请通过官方APP还款，客服95555。"
_WARM_ARTICLE = "网贷逾期的原因\n\n很多借款人缺乏金融知识，多头借贷，以贷养贷。\n\n应对策略\n\n加强金融教育，与机构协商还款。"


def _warm(state: _State) -> None:
    from notice_nlp.resources import rules_version
    from notice_nlp.screening.screen import get_model, screen_many
    from notice_nlp.themes.report import analyze

    model = get_model()  # FileNotFoundError here stops start-up with a clear message
    list(screen_many([_WARM_MESSAGE, _WARM_MESSAGE], [None, {"sender": "95555", "received_at": "2026-01-01T23:00:00+08:00", "recipient_role": "contact"}]))
    analyze(_WARM_ARTICLE)
    analyze(f"<html><head><title>t</title></head><body><article><p>{_WARM_ARTICLE}</p></article></body></html>")
    state.model_version = model.version
    state.rules_version = rules_version()
    state.labels = _labels_payload(state.settings)


def _fields(verdict: Any) -> dict[str, Any]:
    """A verdict's top-level fields as a dict (nested values as they are: :func:`dumps` encodes them)."""
    if isinstance(verdict, dict):
        return verdict
    return {f.name: getattr(verdict, f.name) for f in dataclasses.fields(verdict)}


def _screen_items(texts: list[str], metas: list[dict[str, Any] | None]) -> list[Any]:
    """Verdicts of ``screen_many`` (encode them with :func:`dumps`: their ``to_dict()`` as JSON)."""
    from notice_nlp.screening.screen import screen_many

    return list(screen_many(texts, metas))


class _Coalescer:
    """Screens concurrent single-message requests together.

    Part of the cost of one ``screen()`` call is per call, not per message, so requests that
    arrive while a batch is being screened wait and go into the next :func:`screen_many` call
    together. No timer: a request on an idle server is screened after one turn of the event loop;
    under load batches grow by themselves (up to ``max_size``). ``screen_many`` gives the same
    verdict for a message as ``screen`` does, so batching changes speed only. When a batch fails
    its messages are screened one by one, so one bad message fails only its own request.

    A batch of at most ``inline_chars`` characters is screened on the event loop itself (a hop to
    a worker thread and back costs more than screening a few short messages, and one worker has
    one GIL anyway); a longer one runs in a worker thread so the loop keeps answering meanwhile.
    """

    def __init__(self, max_size: int = 32, inline_chars: int = _INLINE_SCREEN_CHARS) -> None:
        self.max_size = max_size
        self.inline_chars = inline_chars
        self.pending: list[tuple[str, dict[str, Any] | None, asyncio.Future[Any]]] = []
        self.worker: asyncio.Task[None] | None = None

    async def screen(self, text: str, meta: dict[str, Any] | None) -> Any:
        """The verdict of one message (encode it with :func:`dumps`)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append((text, meta, fut))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._run())
        return await fut

    async def _call(self, texts: list[str], metas: list[dict[str, Any] | None]) -> list[Any]:
        if sum(map(len, texts)) <= self.inline_chars:
            return _screen_items(texts, metas)
        return await run_in_threadpool(_screen_items, texts, metas)

    async def _run(self) -> None:
        await asyncio.sleep(0)  # let the requests already read join this batch
        while self.pending:
            batch, self.pending = self.pending[: self.max_size], self.pending[self.max_size :]
            batch = [b for b in batch if not b[2].done()]  # drop requests whose client went away
            if not batch:
                continue
            try:
                outcomes: list[Any] = list(await self._call([b[0] for b in batch], [b[1] for b in batch]))
            except Exception:
                outcomes = []
                for text, meta, _ in batch:
                    try:
                        outcomes.append((await self._call([text], [meta]))[0])
                    except Exception as exc:  # noqa: BLE001 - handed to the request that owns it
                        outcomes.append(exc)
            for (_, _, fut), out in zip(batch, outcomes):
                if fut.done():
                    continue
                if isinstance(out, Exception):
                    fut.set_exception(out)
                else:
                    fut.set_result(out)
            await asyncio.sleep(0)  # answer this batch and read new requests before the next one


def _analyze(source: str, html: bool | None = None) -> dict[str, Any]:
    from notice_nlp.themes.report import analyze

    # `text` is included: the offsets in the response index it
    return analyze(source, html=html).to_dict(include_text=True)


# ----------------------------------------------------------------------------- guard (ASGI)


def _error_body(state: _State, rid: str, status: int, code: str, message: str, detail: Any = None) -> bytes:
    body = {"error": code, "message": message, "status": status, "request_id": rid, **state.versions(), "detail": detail}
    return dumps(body)


#: answers a POST body with JSON bytes, or None to hand the request on to the FastAPI route
FastHandler = Callable[[bytes, dict[str, Any]], Awaitable["bytes | None"]]


class _Guard:
    """API key, content type and body size for ``/v1``; headers and one log line everywhere.

    ``fast`` maps a POST path to a :data:`FastHandler` that answers valid requests without the
    framework (the route stays the reference for everything else, errors included)."""

    def __init__(self, app: Callable[..., Awaitable[None]], state: _State, fast: dict[str, FastHandler] | None = None) -> None:
        self.app = app
        self.state = state
        self.fast = fast or {}
        self._api_headers: tuple[tuple[str, str], list[tuple[bytes, bytes]]] | None = None

    def api_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers ``send_wrapper`` stamps on a ``/v1`` JSON answer, encoded once per version."""
        versions = (self.state.model_version, self.state.rules_version)
        if self._api_headers is None or self._api_headers[0] != versions:
            self._api_headers = (versions, [
                (b"content-type", b"application/json"),
                (b"x-model-version", versions[0].encode("latin-1")),
                (b"x-rules-version", versions[1].encode("latin-1")),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                (b"content-security-policy", API_CSP.encode("latin-1")),
                (b"cache-control", b"no-store"),
            ])
        return self._api_headers[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        incoming = headers.get("x-request-id", "")
        rid = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        info: dict[str, Any] = {"status": 500, "resp_bytes": 0, "req_bytes": 0, "items": None, "started": False}
        scope["state"]["log_info"] = info
        state = self.state
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit():
            info["req_bytes"] = int(declared)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                info["status"] = message["status"]
                info["started"] = True
                h = MutableHeaders(scope=message)
                h["X-Request-ID"] = rid
                h["X-Model-Version"] = state.model_version
                h["X-Rules-Version"] = state.rules_version
                h.setdefault("X-Content-Type-Options", "nosniff")
                h.setdefault("Referrer-Policy", "no-referrer")
                if path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
                    pass  # Swagger UI / ReDoc load their assets from a CDN
                elif path == "/" or path.startswith("/static/"):
                    h["Content-Security-Policy"] = PAGE_CSP
                    h["X-Frame-Options"] = "DENY"
                else:
                    h["Content-Security-Policy"] = API_CSP
                if path.startswith("/v1/"):
                    h["Cache-Control"] = "no-store"
            elif message["type"] == "http.response.body":
                info["resp_bytes"] += len(message.get("body", b""))
            await send(message)

        async def reject(status: int, code: str, message: str, extra: dict[str, str] | None = None) -> None:
            body = _error_body(state, rid, status, code, message)
            hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            for k, v in (extra or {}).items():
                hdrs.append((k.lower().encode(), v.encode()))
            await send_wrapper({"type": "http.response.start", "status": status, "headers": hdrs})
            await send_wrapper({"type": "http.response.body", "body": body})

        try:
            if path.startswith("/v1/") or path == "/v1":
                key = state.settings.api_key
                if key is not None:
                    given = headers.get("x-api-key", "")
                    if not hmac.compare_digest(given.encode(), key.encode()):
                        await reject(401, "unauthorized", "missing or wrong X-API-Key header", {"WWW-Authenticate": 'APIKey header="X-API-Key"'})
                        return
                if method == "POST":
                    ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
                    if ctype != "application/json":
                        await reject(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
                        return
                    limit = state.settings.max_body_bytes(path)
                    if declared is not None and declared.isdigit() and int(declared) > limit:
                        await reject(413, "payload_too_large", f"request body is over the {limit}-byte limit for {path}")
                        return
                    chunks: list[bytes] = []
                    size = 0
                    more = True
                    while more:
                        message = await receive()
                        if message["type"] == "http.disconnect":
                            return
                        chunk = message.get("body", b"")
                        size += len(chunk)
                        if size > limit:
                            info["req_bytes"] = size
                            await reject(413, "payload_too_large", f"request body is over the {limit}-byte limit for {path}")
                            return
                        chunks.append(chunk)
                        more = message.get("more_body", False)
                    info["req_bytes"] = size
                    body = b"".join(chunks)
                    fast = self.fast.get(path)
                    if fast is not None:
                        answer = await fast(body, info)
                        if answer is not None:
                            headers_out = [(b"content-length", str(len(answer)).encode()), (b"x-request-id", rid.encode()), *self.api_headers()]
                            info["status"], info["started"] = 200, True
                            await send({"type": "http.response.start", "status": 200, "headers": headers_out})
                            info["resp_bytes"] = len(answer)
                            await send({"type": "http.response.body", "body": answer})
                            return
                    replayed = False

                    async def replay() -> Message:
                        nonlocal replayed
                        if not replayed:
                            replayed = True
                            return {"type": "http.request", "body": body, "more_body": False}
                        return await receive()

                    await self.app(scope, replay, send_wrapper)
                    return
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # the exception message may quote the text: log its type and place, never its message
            frames = " | ".join(
                f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__)[-3:]
            )
            log.error("request_id=%s unhandled %s at %s", rid, type(exc).__name__, frames)
            if not info.get("started"):
                await reject(500, "internal_error", "internal error; the request id identifies it in the server log")
        finally:
            ms = (time.perf_counter() - t0) * 1000
            route = path if path in _KNOWN_PATHS else "<other>"
            items = f" items={info['items']}" if info["items"] is not None else ""
            log.info(
                "request_id=%s method=%s path=%s status=%d req_bytes=%d resp_bytes=%d duration_ms=%.1f%s",
                rid, method, route, info["status"], info["req_bytes"], info["resp_bytes"], ms, items,
            )


# ----------------------------------------------------------------------------- application


def _rid(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _set_items(request: Request, n: int) -> None:
    info = request.scope.get("state", {}).get("log_info")
    if info is not None:
        info["items"] = n


def _clean_validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may be a whole message) or doc URLs."""
    out = []
    for e in errors:
        out.append({"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "NOTICE_NLP_API_KEY is set and X-API-Key is missing or wrong"},
    413: {"model": ErrorResponse, "description": "a message, batch or article over the limit"},
    415: {"model": ErrorResponse, "description": "body is not application/json"},
    422: {"model": ErrorResponse, "description": "invalid body"},
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application. ``settings`` default: :meth:`Settings.from_env`."""
    settings = settings or Settings.from_env()
    state = _State(settings)
    state.static = {"index.html": _static_file("index.html"), **{n: _static_file(n) for n in _STATIC}}
    coalescer = _Coalescer()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        t0 = time.perf_counter()
        _warm(state)
        # The pipeline now loaded (model, rules, jieba and OpenCC tables) lives as long as the
        # process: keep the cyclic garbage collector from walking it again. A full collection over
        # it takes ~0.2 s, a pause every request in flight would wait for.
        gc.collect()
        gc.freeze()
        log.info(
            "pipeline ready model_version=%s rules_version=%s api_key=%s warm_ms=%.0f",
            state.model_version, state.rules_version, "on" if settings.api_key else "off", (time.perf_counter() - t0) * 1000,
        )
        yield

    app = FastAPI(
        title="notice_nlp",
        version=__version__,
        summary="Screen Chinese debt-collection SMS; analyse loan-delinquency articles.",
        description=(
            "Every response carries `X-Model-Version` and `X-Rules-Version` headers (and `model_version` / "
            "`rules_version` fields). When the server has `NOTICE_NLP_API_KEY` set, every `/v1` call needs "
            "an `X-API-Key` header. POST bodies must be `application/json`. See docs/service.md."
        ),
        lifespan=lifespan,
    )
    app.state.service = state

    # ----------------------------------------------------------------- errors as JSON

    def error(request: Request, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
        body = {"error": code, "message": message, "status": status, "request_id": _rid(request), **state.versions(), "detail": detail}
        return FastJSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error(request, exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(request, 422, "invalid_body", "the request body does not match the schema", _clean_validation_errors(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error(request, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail), headers=getattr(exc, "headers", None))

    # ----------------------------------------------------------------- page

    def page_file(name: str, ctype: str) -> Response:
        return Response(state.static[name], media_type=ctype)

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return page_file("index.html", "text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in _STATIC:
            raise StarletteHTTPException(404, "no such file")
        return page_file(name, _STATIC[name])

    @app.get("/healthz", response_model=HealthResponse, tags=["meta"])
    async def healthz() -> dict[str, Any]:
        """Liveness and the versions in use (no API key needed)."""
        return {"status": "ok", "version": __version__, **state.versions()}

    # ----------------------------------------------------------------- API

    def check_message(text: str, where: str) -> None:
        if len(text) > settings.max_message_chars:
            raise ApiError(413, "message_too_long", f"{where} is {len(text)} characters, over the {settings.max_message_chars}-character limit")

    # POST /v1/screen: the guard answers valid requests through screen_fast; the route answers the
    # rest (schema errors, too long, a ValueError from screening) and documents the endpoint.
    async def screen_fast(raw: bytes, info: dict[str, Any]) -> bytes | None:
        try:
            body = ScreenRequest.model_validate_json(raw)
        except ValueError:
            return None
        if len(body.text) > settings.max_message_chars:
            return None
        info["items"] = 1
        try:
            verdict = await coalescer.screen(body.text, body.metadata() or None)
        except (TypeError, ValueError):
            return None
        return dumps(verdict)

    @app.post("/v1/screen", response_model=VerdictModel, responses=_ERROR_RESPONSES, tags=["screening"])
    async def screen_one(body: ScreenRequest, request: Request) -> Response:
        """Screen one message: label, scores, tags, reasons (offsets into `text`), entities, advice."""
        check_message(body.text, "text")
        _set_items(request, 1)
        meta = body.metadata() or None
        try:
            verdict = await coalescer.screen(body.text, meta)
        except (TypeError, ValueError) as exc:
            raise ApiError(422, "invalid_body", str(exc)) from None
        return FastJSONResponse(verdict)

    @app.post("/v1/screen/batch", response_model=BatchResponse, responses=_ERROR_RESPONSES, tags=["screening"])
    async def screen_batch(body: BatchRequest, request: Request) -> Response:
        """Screen messages in order. Messages in one batch from one sender to one ``recipient`` on one
        (local) day are counted, so more than three of them reveal excessive frequency (as the CLI does)."""
        items = body.messages
        if len(items) > settings.max_batch:
            raise ApiError(413, "batch_too_large", f"{len(items)} messages, over the {settings.max_batch}-message limit per batch")
        for i, it in enumerate(items):
            check_message(it.text, f"messages[{i}].text")
        _set_items(request, len(items))
        from notice_nlp.screening.screen import daily_counts

        counts = daily_counts([{**it.metadata(), "recipient": it.recipient} for it in items])
        metas: list[dict[str, Any] | None] = []
        for it, count in zip(items, counts):
            meta = it.metadata()
            if count is not None:
                meta["messages_today"] = count
            metas.append(meta or None)
        try:
            verdicts = await run_in_threadpool(_screen_items, [it.text for it in items], metas) if items else []
        except (TypeError, ValueError) as exc:
            raise ApiError(422, "invalid_body", str(exc)) from None
        results = [{**_fields(v), "index": i, "id": it.id} for i, (it, v) in enumerate(zip(items, verdicts))]
        return FastJSONResponse({"results": results, **state.versions()})

    @app.post("/v1/analyze", response_model=ArticleReportModel, responses=_ERROR_RESPONSES, tags=["articles"])
    async def analyze_article(body: AnalyzeRequest, request: Request) -> dict[str, Any]:
        """Causes, strategies and impacts of a delinquency article (`text` or `html`).

        Offsets index the response's `text`: the article text after page chrome is removed
        (`ArticleReport.text`). An `html` body is always parsed as HTML."""
        source = body.source
        if len(source) > settings.max_article_chars:
            raise ApiError(413, "article_too_long", f"article is {len(source)} characters, over the {settings.max_article_chars}-character limit")
        _set_items(request, 1)
        try:
            report = await run_in_threadpool(_analyze, source, True if body.html is not None else None)
        except (TypeError, ValueError) as exc:
            raise ApiError(422, "invalid_body", str(exc)) from None
        return {**report, **state.versions()}

    @app.get("/v1/labels", response_model=LabelsResponse, tags=["meta"])
    async def labels() -> dict[str, Any]:
        """Labels, tags (zh/en/citation), citation documents, theme ids and the limits."""
        return {**state.labels, **state.versions()}

    app.add_middleware(_Guard, state=state, fast={"/v1/screen": screen_fast})
    return app
