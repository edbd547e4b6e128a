"""``workbench serve``'s OpenAPI document: the same shape as a Cog model's, complete enough for Cog's own
client (``cog predict`` reads ``paths["/predictions"].post.responses["200"]`` → ``PredictionResponse`` →
``output``) and for schemathesis to test the server against it.

The ``Input`` schema here is also what requests are validated against (:mod:`.predictions`), so the document
and the server cannot disagree: a request the document allows is accepted (it may still *fail* as a
prediction, e.g. a resolution the model cannot render), one it does not allow is a 422.
"""

from __future__ import annotations

from typing import Any

from workbench.domain import defaults
from workbench.serve.webhooks import EVENTS

__all__ = ["ID_PATTERN", "INPUT_SCHEMA", "MAX_ID_LENGTH", "REQUEST_SCHEMA", "openapi_document"]

#: Prediction ids: what Cog clients send (Cog recommends 26 lowercase characters; uuids and ours fit too).
ID_PATTERN = r"^[A-Za-z0-9_.-]{1,128}$"
MAX_ID_LENGTH = 128

INPUT_SCHEMA: dict[str, Any] = {
    "title": "Input",
    "type": "object",
    "required": ["image", "prompt"],
    "additionalProperties": False,
    "properties": {
        "image": {
            "title": "Image",
            "type": "string",
            "format": "uri",
            "pattern": "^(data:|https?://)",
            "description": "The starting image: a data URL, or an http(s) URL this server may fetch from.",
            "x-order": 0,
        },
        "prompt": {
            "title": "Prompt",
            "type": "string",
            "minLength": 1,
            "maxLength": defaults.MAX_DIRECTIONS_CHARS,
            "description": "The movie directions (blank ones fail the prediction).",
            "x-order": 1,
        },
        "duration_s": {
            "title": "Duration S",
            "type": "number",
            "minimum": defaults.MIN_DURATION_S,
            "maximum": defaults.MAX_DURATION_S,
            "default": defaults.DEFAULT_DURATION_S,
            "x-order": 2,
        },
        "resolution": {
            "title": "Resolution",
            "type": "string",
            "pattern": r"^[0-9]{2,4}x[0-9]{2,4}$",
            "default": "x".join(map(str, defaults.DEFAULT_RESOLUTION)),
            "description": "WIDTHxHEIGHT of the video.",
            "x-order": 3,
        },
        "fps": {
            "title": "Fps",
            "type": "integer",
            "minimum": defaults.MIN_FPS,
            "maximum": defaults.MAX_FPS,
            "default": defaults.DEFAULT_FPS,
            "x-order": 4,
        },
        "seed": {
            "title": "Seed",
            "type": "integer",
            "minimum": 0,
            "maximum": defaults.MAX_SEED,
            "default": defaults.DEFAULT_SEED,
            "x-order": 5,
        },
    },
}


def _request(input_schema: Any, events: Any) -> dict[str, Any]:
    return {
        "title": "PredictionRequest",
        "type": "object",
        "required": ["input"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH},
            "input": input_schema,
            "created_at": {"type": "string", "description": "accepted and ignored, as Cog does"},
            "context": {"type": "object", "additionalProperties": {"type": "string"}},
            "output_file_prefix": {"type": "string"},
            "webhook": {"type": "string", "format": "uri", "minLength": 1, "maxLength": 65536},
            "webhook_events_filter": {"type": "array", "items": events, "default": list(EVENTS)},
        },
    }


#: The whole request, references resolved: what the server validates a request body against.
REQUEST_SCHEMA = _request(INPUT_SCHEMA, {"type": "string", "enum": list(EVENTS)})

_NULLABLE_STRING = {"type": "string", "nullable": True}
_NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _responses(codes: dict[str, tuple[str, str]]) -> dict[str, Any]:
    return {code: {"description": words, "content": _json(schema)} for code, (words, schema) in codes.items()}


_ERRORS = {
    "401": ("A valid 'Authorization: Bearer <token>' header is required", "Error"),
    "413": ("The request body is larger than the server accepts", "Error"),
    "422": ("Validation error", "HTTPValidationError"),
}


def _prediction_operation(summary: str, operation_id: str, *, with_id: bool) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": "prefer",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "'respond-async' answers 202 at once (follow by events or webhook).",
        }
    ]
    if with_id:
        parameters.insert(0, _ID_PARAMETER)
    responses = _responses(
        {
            "200": (
                "The finished prediction (or its events, with Accept: text/event-stream)",
                "PredictionResponse",
            ),
            "202": (
                "The prediction, started (Prefer: respond-async) or already running",
                "PredictionResponse",
            ),
            **_ERRORS,
            "409": ("Every prediction slot is busy; nothing was started", "Error"),
            "503": ("The model is still loading; nothing was started", "Error"),
        }
    )
    if with_id:
        responses["404"] = {
            "description": "The path is not a prediction id (1-128 letters, digits, '.', '_' or '-')",
            "content": _json("Error"),
        }
    responses["200"]["content"]["text/event-stream"] = {"schema": {"type": "string"}}
    return {
        "summary": summary,
        "operationId": operation_id,
        "parameters": parameters,
        "requestBody": {"required": True, "content": _json("PredictionRequest")},
        "responses": responses,
    }


_ID_PARAMETER = {
    "name": "prediction_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH, "title": "Prediction ID"},
}


def openapi_document(*, title: str, version: str, secured: bool) -> dict[str, Any]:
    """The whole document; ``secured`` adds the bearer scheme to the prediction operations."""
    create = _prediction_operation("Run a prediction", "predict_predictions_post", with_id=False)
    create["x-cog-streaming"] = True
    put = _prediction_operation(
        "Run a prediction with this id, or re-join the one that has it",
        "predict_idempotent_put",
        with_id=True,
    )
    get = {
        "summary": "A prediction's state (workbench serve; stock Cog has no such endpoint)",
        "operationId": "get_prediction",
        "parameters": [_ID_PARAMETER],
        "responses": _responses(
            {
                "200": ("The prediction", "PredictionResponse"),
                "401": _ERRORS["401"],
                "404": ("No prediction with this id (never started, or forgotten)", "Error"),
            }
        ),
    }
    cancel = {
        "summary": "Cancel a prediction",
        "operationId": "cancel_prediction",
        "parameters": [_ID_PARAMETER],
        "responses": _responses(
            {
                "200": ("The prediction, as it is now", "PredictionResponse"),
                "401": _ERRORS["401"],
                "404": ("No prediction with this id", "Error"),
            }
        ),
    }
    open_get = {
        "/": ("Root", "Root", "root"),
        "/health-check": ("Health", "HealthCheck", "healthcheck"),
        "/openapi.json": ("This document", "OpenApi", "openapi"),
    }
    paths: dict[str, Any] = {
        path: {
            "get": {
                "summary": summary,
                "operationId": op,
                "responses": _responses({"200": (summary, schema)}),
            }
        }
        for path, (summary, schema, op) in open_get.items()
    }
    paths["/predictions"] = {"post": create}
    paths["/predictions/{prediction_id}"] = {"put": put, "get": get}
    paths["/predictions/{prediction_id}/cancel"] = {"post": cancel}
    document: dict[str, Any] = {
        "openapi": "3.0.2",
        "info": {"title": title, "version": version, "description": "Cog predictions API (workbench serve)"},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }
    if secured:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        for path in ("/predictions", "/predictions/{prediction_id}", "/predictions/{prediction_id}/cancel"):
            for operation in paths[path].values():
                operation["security"] = [{"bearer": []}]
    return document


def _schemas() -> dict[str, Any]:
    return {
        "Input": INPUT_SCHEMA,
        "Output": {"title": "Output", "type": "string", "format": "uri", "nullable": True},
        "Status": {
            "title": "Status",
            "type": "string",
            "enum": ["starting", "processing", "succeeded", "canceled", "failed"],
        },
        "WebhookEvent": {"title": "WebhookEvent", "type": "string", "enum": list(EVENTS)},
        "PredictionRequest": _request(
            {"$ref": "#/components/schemas/Input"}, {"$ref": "#/components/schemas/WebhookEvent"}
        ),
        "PredictionResponse": {
            "title": "PredictionResponse",
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string"},
                "status": {"$ref": "#/components/schemas/Status"},
                "output": {"$ref": "#/components/schemas/Output"},
                "error": _NULLABLE_STRING,
                "logs": {"type": "string"},
                "created_at": _NULLABLE_TIME,
                "started_at": _NULLABLE_TIME,
                "completed_at": _NULLABLE_TIME,
                "metrics": {"type": "object", "additionalProperties": True},
            },
        },
        "ValidationError": {
            "title": "ValidationError",
            "type": "object",
            "required": ["loc", "msg", "type"],
            "properties": {
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                "msg": {"type": "string"},
                "type": {"type": "string"},
            },
        },
        "HTTPValidationError": {
            "title": "HTTPValidationError",
            "type": "object",
            "properties": {
                "detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}
            },
        },
        "Error": {
            "title": "Error",
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "string"}},
        },
        "HealthCheck": {
            "title": "HealthCheck",
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"type": "string", "enum": ["STARTING", "READY", "BUSY", "SETUP_FAILED"]},
                "setup": {"type": "object"},
                "workbench": {"type": "object"},
            },
        },
        "Root": {"title": "Root", "type": "object", "properties": {"cog_version": {"type": "string"}}},
        "OpenApi": {"title": "OpenApi", "type": "object", "required": ["openapi", "paths"]},
    }
