"""The app as ``consentgate serve`` runs it, plus the benchmark's baseline endpoint.

The baseline does what the governed endpoint must do at the least — check the token and fetch the
same 50 messages — with no decision, no obligations and no log append. It exists only here, in the
benchmark's own server, never in the product.
"""

from __future__ import annotations

import argparse
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends

from consentgate.api.app import create_app
from consentgate.api.data import partner_token
from consentgate.config import load_settings
from consentgate.domain import Category, TokenContext
from consentgate.web.state import ServicesDep

baseline = APIRouter(prefix="/bench/baseline")


@baseline.get("/threads/{thread_id}/messages")
def baseline_thread(
    token: Annotated[TokenContext, Depends(partner_token)],
    services: ServicesDep,
    thread_id: int,
    limit: int = 50,
) -> dict[str, Any]:
    records = services.data_source.fetch(
        token.person_id, Category.MESSAGES, thread_id=thread_id, limit=limit
    )
    return {"records": [dict(r.fields) for r in records]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = load_settings(database_url=args.database, data_dir=args.data_dir, port=args.port)
    app = create_app(settings)
    app.include_router(baseline)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
