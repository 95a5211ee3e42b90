"""Fast JSON out: orjson, with numpy arrays serialised natively (no per-float objects)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    """A JSON response rendered by orjson; numpy arrays are written directly.

    FastAPI deprecated its own ORJSONResponse; this is the same idea without the
    warning, plus OPT_SERIALIZE_NUMPY so that `{"wav": np.ndarray}` costs no list.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
