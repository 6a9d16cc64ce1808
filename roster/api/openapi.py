"""The OpenAPI description, written out by hand: small, and reviewed with the access rule."""

from __future__ import annotations

import enum
from typing import Any

from ..models import (
    CareLevel,
    ConsentState,
    EvacuationPlace,
    Finding,
    FormLanguage,
    Household,
    Mobility,
    RegistrantStatus,
    ReportMethod,
    SafetyStatus,
    Sex,
    Source,
    SupportReason,
)
from ..registrants.queries import NEEDS


def _enum(cls: type[enum.Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in cls]}


REGISTRANT = {
    "type": "object",
    "description": "Only the fields the caller's role and agreements allow are present.",
    "properties": {
        "id": {"type": "integer"},
        "resident_no": {"type": "string", "description": "宛名番号"},
        "name": {"type": "string", "description": "氏名"},
        "name_kana": {"type": "string", "description": "ふりがな (katakana)"},
        "birth_date": {"type": "string", "format": "date"},
        "sex": _enum(Sex),
        "address": {"type": "string"},
        "postal_code": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "mobile_phone": {"type": ["string", "null"]},
        "fax": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "support_categories": {
            "type": "array",
            "description": "避難支援等を必要とする事由, as one or more categories",
            "items": {"type": "string", "enum": [r.value for r in SupportReason]},
        },
        "support_reason_detail": {
            "type": ["string", "null"],
            "description": "The reason in the staff's words (要配慮個人情報); only for callers "
            "whose agreement includes the medical group support_reason_detail",
        },
        "district": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "name": {"type": "string"},
            },
        },
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
        "location_approximate": {"type": "boolean"},
        "location_precision": {
            "type": "string",
            "enum": ["house", "block", "chome", "district", "manual"],
        },
        "household": _enum(Household),
        "mobility": _enum(Mobility),
        "devices": {
            "type": "array",
            "items": {"type": "string", "enum": ["ventilator", "oxygen", "suction", "dialysis"]},
        },
        "device_other": {"type": ["string", "null"]},
        "communication": {
            "type": "array",
            "items": {"type": "string", "enum": ["hearing", "visual", "language", "cognitive"]},
        },
        "language_note": {"type": ["string", "null"]},
        "care_level": _enum(CareLevel),
        "disability_certificate": {"type": ["string", "null"]},
        "emergency_contacts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "relation": {"type": "string"},
                    "phone": {"type": "string"},
                },
            },
        },
        "status": _enum(RegistrantStatus),
        "source": _enum(Source),
        "last_verified_on": {"type": ["string", "null"], "format": "date"},
        "consent_state": _enum(ConsentState),
        "version": {"type": "integer"},
        "preferred_language": _enum(FormLanguage),
    },
}

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _responses(ok: dict[str, Any], *codes: int) -> dict[str, Any]:
    described = {
        400: "Bad parameters",
        401: "Not signed in",
        403: "Role may not read the register",
        404: "Not found, or not visible to the caller",
    }
    out: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": ok}}}
    }
    for code in codes:
        out[str(code)] = {
            "description": described[code],
            "content": {"application/json": {"schema": ERROR}},
        }
    return out


# Safety confirmation (安否確認): operations, their people, and reports.

SAFETY_SCHEMAS: dict[str, Any] = {
    "SafetyOperation": {
        "type": "object",
        "description": "An operation the caller takes part in, with the caller's share of it.",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "disaster": {"type": "string"},
            "drill": {"type": "boolean"},
            "scenario": {
                "type": ["string", "null"],
                "description": "A drill's scenario name (訓練); null for a real operation",
            },
            "started_at": {"type": "string", "format": "date-time"},
            "ended_at": {"type": ["string", "null"], "format": "date-time"},
            "running": {"type": "boolean"},
            "people": {"type": "integer", "description": "The caller's people in it"},
            "unconfirmed": {"type": "integer", "description": "Of those, still 未確認"},
        },
    },
    "SafetyPerson": {
        "description": "A registrant as the caller may see them, with the current status.",
        "allOf": [
            {"$ref": "#/components/schemas/Registrant"},
            {
                "type": "object",
                "properties": {
                    "safety": {
                        "type": "object",
                        "properties": {
                            "status": _enum(SafetyStatus),
                            "label": {"type": "string"},
                            "reported_at": {"type": ["string", "null"], "format": "date-time"},
                        },
                    }
                },
            },
        ],
    },
    "SafetyReportIn": {
        "type": "object",
        "required": ["registrant_id", "status", "method", "note", "client_id"],
        "properties": {
            "registrant_id": {"type": "integer"},
            "status": _enum(SafetyStatus),
            "method": _enum(ReportMethod),
            "note": {
                "type": "string",
                "maxLength": 1000,
                "description": "Free text, may be empty; never logged",
            },
            "client_id": {
                "type": "string",
                "pattern": "^[A-Za-z0-9._:-]{8,64}$",
                "description": "Made by the client (a UUID); the same ID again stores nothing",
            },
            "evacuated_to": {**_enum(EvacuationPlace), "description": "With evacuated only"},
            "place_id": {
                "type": "integer",
                "description": "A shelter of the registry, with evacuated_to shelter only",
            },
            "findings": {
                "type": "array",
                "items": _enum(Finding),
                "description": "In a drill only (400 in a real operation): what the drill "
                "found about the person; each flags the person's plan for review. other "
                "needs a note",
            },
        },
    },
    "SafetyReport": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "operation_id": {"type": "integer"},
            "registrant_id": {"type": "integer"},
            "status": _enum(SafetyStatus),
            "label": {"type": "string"},
            "evacuated_to": {"type": ["string", "null"]},
            "place_id": {"type": ["integer", "null"]},
            "method": _enum(ReportMethod),
            "note": {"type": "string"},
            "client_id": {"type": ["string", "null"]},
            "reported_at": {"type": "string", "format": "date-time"},
        },
    },
}

SAFETY_DESCRIBED = {
    200: "OK",
    201: "Stored",
    400: "Bad parameters or body; the error says which field. A cookie session without "
    "a valid X-CSRFToken header also answers 400, with reason csrf",
    401: "Not signed in",
    403: "Role may not take part (planners get counts only); a partner reporting a death",
    404: "Not found, or not visible to the caller (the same answer)",
    409: "The operation has ended, or the client_id was used for another report",
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _safety_responses(ok: dict[int, dict[str, Any]], *codes: int) -> dict[str, Any]:
    out = {
        str(code): {
            "description": SAFETY_DESCRIBED[code],
            "content": {"application/json": {"schema": schema}},
        }
        for code, schema in ok.items()
    }
    for code in codes:
        out[str(code)] = {
            "description": SAFETY_DESCRIBED[code],
            "content": {"application/json": {"schema": ERROR}},
        }
    return out


OPERATION_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def safety_paths() -> dict[str, Any]:
    people_page = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("SafetyPerson")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }
    operations = {"type": "object", "properties": {
        "items": {"type": "array", "items": _ref("SafetyOperation")}}}
    return {
        "/api/v1/safety/operations": {
            "get": {
                "summary": "The safety operations the caller takes part in",
                "description": "Staff and planners: every operation (planners counts only). "
                "A partner: the operations in which the access rule gives them someone.",
                "responses": _safety_responses({200: operations}, 401, 403),
            }
        },
        "/api/v1/safety/operations/{id}/people": {
            "get": {
                "summary": "The caller's people in an operation, with their current status",
                "description": "Staff and partners only; every answer is in the audit trail.",
                "parameters": [
                    OPERATION_ID,
                    _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page"),
                    _query(
                        "per_page",
                        {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                        "Rows per page",
                    ),
                ],
                "responses": _safety_responses({200: people_page}, 400, 401, 403, 404),
            }
        },
        "/api/v1/safety/operations/{id}/reports": {
            "post": {
                "summary": "Report on one of the caller's people",
                "description": "Append-only. The same client_id again answers 200 with the "
                "first report and stores nothing.",
                "parameters": [OPERATION_ID],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SafetyReportIn")}},
                },
                "responses": _safety_responses(
                    {201: _ref("SafetyReport"), 200: _ref("SafetyReport")},
                    400, 401, 403, 404, 409,
                ),
            }
        },
    }


def spec() -> dict[str, Any]:
    page_schema = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Registrant"}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Roster API",
            "version": "1",
            "description": "Read access to the register of people who need help to "
            "evacuate and to the shelter registry, and safety-confirmation reports. "
            "A signed-in session, or for a partner "
            "system a bearer token that staff issue under the partner's agreement (only its "
            "SHA-256 is stored; it stops when revoked or when the agreement is no longer in "
            "force). Every call is audited.",
        },
        "components": {
            "schemas": {"Registrant": REGISTRANT, "Error": ERROR, **SAFETY_SCHEMAS},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "partnerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "rt_… token issued by staff for a partner user",
                },
            },
        },
        "security": [{"session": []}, {"partnerToken": []}],
        "paths": {
            "/api/v1/registrants": {
                "get": {
                    "summary": "List the registrants the caller may see",
                    "parameters": [
                        _query(
                            "page", {"type": "integer", "minimum": 1, "default": 1}, "Page number"
                        ),
                        _query(
                            "per_page",
                            {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                            "Rows per page",
                        ),
                        _query("district", {"type": "integer"}, "District ID"),
                        _query("consent", _enum(ConsentState), "Consent state (staff only)"),
                        _query("need", {"type": "string", "enum": list(NEEDS)}, "A need"),
                        _query("status", _enum(RegistrantStatus), "Status (staff only)"),
                    ],
                    "responses": _responses(page_schema, 400, 401, 403, 404),
                }
            },
            "/api/v1/registrants/{id}": {
                "get": {
                    "summary": "One registrant",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": _responses(
                        {"$ref": "#/components/schemas/Registrant"}, 401, 403, 404
                    ),
                }
            },
            "/api/v1/shelters": {
                "get": {
                    "summary": "The shelter registry (any signed-in user)",
                    "description": "JSON {items, attribution}, or with format=geojson a "
                    "GeoJSON FeatureCollection (application/geo+json) of WGS84 points. "
                    "出典：国土地理院 指定緊急避難場所・指定避難所データ for GSI-sourced places.",
                    "parameters": [
                        _query(
                            "format",
                            {"type": "string", "enum": ["json", "geojson"], "default": "json"},
                            "Answer format",
                        ),
                    ],
                    "responses": _responses({"type": "object"}, 400, 401),
                }
            },
            **safety_paths(),
        },
    }
