"""Dependencies of the routers: the gateway state, the caller, admin access, rate limit.

    StateDep   the GatewayState of the app
    CallerDep  who calls: 401 when keys are configured and none (or a wrong one) is given;
               rate-limited per key (per client address without keys): 429 + Retry-After
    AdminDep   the admin key only: 401 without a key, 403 with another key
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from voiceclone_common.errors import Forbidden, Overloaded, Unauthorized

from voiceclone_gateway.access import Caller
from voiceclone_gateway.request_log.record import record_of
from voiceclone_gateway.state import GatewayState


# Async (they never block: a dict look-up, a lock held for microseconds) so that FastAPI
# runs them on the event loop: a sync dependency costs a thread-pool hop per request.
async def get_state(request: Request) -> GatewayState:
    return request.app.state.gateway


StateDep = Annotated[GatewayState, Depends(get_state)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _identify(request: Request, state: GatewayState) -> Caller | None:
    """The caller of a request with a valid key, None without a key; 401 for a bad key."""
    token = _bearer(request)
    if token is None:
        return None
    caller = state.keys.identify(token)
    if caller is None:
        raise Unauthorized("the API key is not valid")
    record_of(request).api_key_id = caller.key_id
    return caller


async def authenticate(request: Request, state: StateDep) -> Caller:
    caller = _identify(request, state)
    if caller is None:
        if state.keys.required:
            raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>'")
        caller = Caller(None)
    limit_key = caller.key_id or f"addr:{request.client.host if request.client else '?'}"
    wait_s = state.rate_limiter.acquire(limit_key)
    if wait_s > 0:
        raise Overloaded(
            f"rate limit of {state.settings.rate_limit_per_minute:g} requests per minute "
            f"exceeded; retry in {wait_s:.1f} s",
            retry_after_s=wait_s,
        )
    return caller


async def require_admin(request: Request, state: StateDep) -> Caller:
    caller = _identify(request, state)
    if caller is None:
        raise Unauthorized("this route needs the admin key: 'Authorization: Bearer <admin key>'")
    if not caller.is_admin:
        raise Forbidden("this route needs the admin key; this API key is not it")
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]
AdminDep = Annotated[Caller, Depends(require_admin)]
