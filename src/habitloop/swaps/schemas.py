from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from habitloop.schema_types import SafeStr


class SwapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[SafeStr, Field(max_length=200)] | None = None
