"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from locator.store import facilities
from locator.store.connection import ReplicaPool

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """Answers as long as the process serves requests; touches no database."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and holds data",
    responses={503: {"description": "Not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Ready when the primary answers, migrations are applied and facilities are loaded."""
    try:
        async with request.app.state.pool.acquire(timeout=5) as conn:
            count = await facilities.count_all(conn)
    except Exception as exc:  # any failure here means "not ready", never a 500
        return JSONResponse(
            {"status": "unavailable", "detail": type(exc).__name__}, status_code=503
        )
    if count == 0:
        return JSONResponse({"status": "empty", "detail": "no facilities loaded"}, status_code=503)
    return JSONResponse({"status": "ok", "facilities": count, **_reads(request)})


def _reads(request: Request) -> dict[str, str]:
    """Where reads go, when there is a read replica (its state never makes the worker unready:
    the primary serves its reads meanwhile)."""
    replica = request.app.state.read_pool
    if not isinstance(replica, ReplicaPool):
        return {}
    return {"reads": "replica" if replica.usable else "primary", "replica": replica.state}
