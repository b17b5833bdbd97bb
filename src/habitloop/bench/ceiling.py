"""The framework's ceiling: a bare FastAPI app with one async route returning a small JSON,
served by the same uvicorn as habitloop. Whatever habitloop does per request costs on top."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def ping() -> dict[str, str]:
    return {"status": "ok"}
