"""The instance's capabilities over HTTP: a FastAPI router for a built manager.

``GET /features`` tells clients what this instance can do; ``GET /components`` tells operators
what was built, skipped or disabled, and why. Both answer with an ETag and honour
``If-None-Match``, so a client polling an unchanged instance gets ``304 Not Modified``. Neither
returns a configuration value: only names, states, features and redacted reasons.

Needs the ``rest`` extra (``pip install 'adb-manager[rest]'``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import attrs

try:
    from fastapi import APIRouter, FastAPI, Request, Response
    from pydantic import BaseModel, ConfigDict, Field
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("adb_manager.rest needs FastAPI: pip install 'adb-manager[rest]'") from error

from adb_manager import __version__
from adb_manager.manager import BackendManagerBase
from adb_manager.status import State

logger = logging.getLogger(__name__)

# Clients may keep a response, but must ask again (cheaply, with If-None-Match) before using it:
# an embedding application can still build or withdraw components after the router is mounted.
CACHE_CONTROL = "no-cache"

# An entity tag in an If-None-Match list, weak or strong (RFC 9110, section 8.8.3).
_ENTITY_TAG = re.compile(r'(?:W/)?"([^"]*)"')


class FeatureSet(BaseModel):
    """What the instance offers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The manager instance's name.", examples=["artifactdb-demo"])
    features: list[str] = Field(
        description="Every feature of the built components, sorted.",
        examples=[["provisioning", "sequences", "storage"]],
    )
    providers: dict[str, list[str]] = Field(
        description="Each feature with the built components that provide it, in build order.",
        examples=[{"provisioning": ["sequence_manager"], "storage": ["storage_manager"]}],
    )


class ComponentReport(BaseModel):
    """The outcome of one declared component."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(description="The component's name, the manager attribute it is built as.")
    class_path: str = Field(alias="class", description="The component class, as `module:qualname`.")
    state: State = Field(
        description=(
            "`built`; `skipped` when an optional component or one it needs failed; `disabled`"
            " when the spec sets `enabled: false`; `failed` for a required component that failed."
        )
    )
    required: bool = Field(description="Whether the manager cannot be built without it.")
    reason: str | None = Field(
        description="Why it is not built, starting from the root cause; secrets are redacted."
    )
    features: list[str] = Field(description="The features it provides (or would provide).")
    depends_on: list[str] = Field(description="The components it needs, built before it.")
    requires_features: list[str] = Field(description="The features it needs from others.")
    undeclared_uses: list[str] = Field(
        description="Components it used without declaring them as dependencies."
    )


class ComponentList(BaseModel):
    """Every declared component of the instance, in declaration order."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The manager instance's name.")
    components: list[ComponentReport] = Field(
        description="Every component the spec declares, built or not, in declaration order."
    )


def features_document(manager: BackendManagerBase) -> dict[str, Any]:
    """The body of ``GET /features``, as :class:`FeatureSet` describes it."""
    providers = manager.feature_providers
    return {
        "name": manager.name,
        "features": list(providers),
        "providers": {feature: list(names) for feature, names in providers.items()},
    }


def components_document(manager: BackendManagerBase) -> dict[str, Any]:
    """The body of ``GET /components``, as :class:`ComponentList` describes it: the same fields
    as ``adb-manager build --format json`` reports for each component."""
    return {"name": manager.name, "components": [s.to_dict() for s in manager.status]}


def entity_tag(body: bytes) -> str:
    """A strong ETag for a response body: a digest of its bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag``: ``*``, or any tag in its list compared
    weakly, as RFC 9110 asks for this header."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.strip('"')
    return any(found == wanted for found in _ENTITY_TAG.findall(if_none_match))


_CACHING_HEADERS = {
    "ETag": {
        "description": "A strong tag of the body: the first 32 hex digits of its SHA-256.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-cache`: keep the body, but ask again with If-None-Match first.",
        "schema": {"type": "string"},
    },
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": _CACHING_HEADERS},
    304: {
        "description": "Not modified: the If-None-Match header names the current ETag.",
        "headers": _CACHING_HEADERS,
    },
}
# Read from the request rather than declared as a parameter, so that every If-None-Match line
# counts, and no validation error (422) is possible; documented here instead.
_IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "ETags of a response the client holds, or `*`; a match answers 304 without a body."
    ),
}


def _answer(document: dict[str, Any], request: Request) -> Response:
    # Serialised here, once, rather than validated against the model on every request: the
    # models document the bodies, and the tests check that the bodies keep to them.
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tag = entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if matches(", ".join(request.headers.getlist("if-none-match")), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@attrs.frozen
class _Route:
    path: str
    model: type[BaseModel]
    name: str
    summary: str
    description: str
    document: Callable[[BackendManagerBase], dict[str, Any]]


_ROUTES = (
    _Route(
        "/features",
        FeatureSet,
        "get_features",
        "What this instance can do",
        "The instance name, its features sorted, and the components providing each.",
        features_document,
    ),
    _Route(
        "/components",
        ComponentList,
        "get_components",
        "What was built, skipped or disabled, and why",
        "Every declared component with its state, reason, features and dependencies.",
        components_document,
    ),
)


def _endpoint(
    manager: BackendManagerBase, route: _Route
) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def answer(request: Request) -> Response:
        return _answer(route.document(manager), request)

    return answer


def create_router(manager: BackendManagerBase) -> APIRouter:
    """A router with ``GET /features`` and ``GET /components`` describing ``manager``.

    Mount it in any FastAPI application (``app.include_router(create_router(manager),
    prefix="/manager")``); each request reads the manager's current state.
    """
    router = APIRouter(tags=["manager"])
    for route in _ROUTES:
        endpoint = _endpoint(manager, route)
        router.add_api_route(
            route.path,
            endpoint,
            methods=["GET"],
            name=route.name,
            response_model=route.model,
            responses=_RESPONSES,
            summary=route.summary,
            description=route.description,
            openapi_extra={"parameters": [_IF_NONE_MATCH_PARAMETER]},
        )
        # HEAD answers as GET does, without the body (RFC 9110 asks servers for both).
        router.add_api_route(route.path, endpoint, methods=["HEAD"], include_in_schema=False)
    return router


def create_app(
    manager: BackendManagerBase,
    *,
    close_on_shutdown: bool = True,
) -> FastAPI:
    """A FastAPI application serving :func:`create_router` at the root.

    With ``close_on_shutdown``, the manager's components are closed, in reverse build order,
    when the application shuts down (uvicorn does so on SIGINT and SIGTERM).
    """

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_on_shutdown:
            logger.info("closing the components of %s", manager.name)
            manager.close()

    app = FastAPI(
        title=f"adb-manager: {manager.name}",
        version=__version__,
        description="The features and components of a backend manager instance.",
        lifespan=lifespan,
    )
    app.include_router(create_router(manager))
    return app
