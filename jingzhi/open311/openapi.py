"""The OpenAPI 3.0 description of the Open311 endpoints, served at /open311/v2/openapi.json.

Hand-written, because the endpoints are spec-shaped plain Django views rather than DRF (drf-spectacular
describes /api/ only). It documents the JSON bodies (the XML ones carry the same fields under the spec's
element names), our extensions, and every error status; `tests/test_schemathesis.py` fuzzes the endpoints
against it.
"""

from __future__ import annotations

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "description": "xml 或 json",
    "schema": {"type": "string", "enum": ["xml", "json"]},
}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False, "schema": {"type": "string"}}
CRS = {
    "name": "coordinate_system",
    "in": "query",
    "required": False,
    "description": "扩展：输入/输出坐标系，wgs84（默认）或 gcj02",
    "schema": {"type": "string", "enum": ["wgs84", "gcj02"]},
}
EXTENSIONS = {
    "name": "extensions",
    "in": "query",
    "required": False,
    "description": "扩展：true 时附 extended_attributes（详细状态与时间线）",
    "schema": {"type": "string", "enum": ["true", "false"]},
}

NULLABLE_STRING = {"type": "string", "nullable": True}


def _errors_response(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }


def _ok(schema_ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }


ERRORS = {
    "400": _errors_response(
        "输入有误：缺少字段、未知服务编码、日期格式错误、位置不在辖区、描述过长、格式后缀不支持"
    ),
    "403": _errors_response("api_key 缺失、无效或已吊销"),
    "404": _errors_response("服务、服务请求或令牌不存在"),
}

NOT_A_RESOURCE = _errors_response("没有这个地址（路径或格式后缀无法识别），或服务、服务请求、令牌不存在")

REQUEST_FIELDS = {
    "api_key": {"type": "string", "description": "客户端密钥（必填）"},
    "jurisdiction_id": {"type": "string"},
    "service_code": {"type": "string", "description": "服务编码，如 component-0101"},
    "lat": {"type": "string", "description": "纬度（与 long 同时提供）"},
    "long": {"type": "string", "description": "经度"},
    "address_string": {"type": "string", "description": "含本辖区街巷、社区或街道名称的地址"},
    "address_id": {"type": "string", "description": "本辖区网格、社区、街道或街巷编码"},
    "coordinate_system": {"type": "string", "enum": ["wgs84", "gcj02"]},
    "email": {"type": "string"},
    "device_id": {"type": "string"},
    "account_id": {"type": "string"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string"},
    "description": {"type": "string", "maxLength": 4000},
    "media_url": {"type": "string"},
}


def document(base_url: str = "/open311/v2/") -> dict:
    request_schema = {"type": "object", "properties": REQUEST_FIELDS, "required": ["api_key", "service_code"]}
    multipart = {
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": {**REQUEST_FIELDS, "media": {"type": "string", "format": "binary"}},
    }
    doc = {
        "openapi": "3.0.3",
        "info": {
            "title": "Jingzhi Open311 GeoReport v2",
            "version": "2",
            "description": "GeoReport v2（http://wiki.open311.org/GeoReport_v2），见 docs/open311.md。",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": {
            "/discovery.{format}": {
                "get": {
                    "operationId": "discovery",
                    "parameters": [FORMAT],
                    "responses": {"200": _ok("Discovery", "服务发现"), "400": ERRORS["400"]},
                }
            },
            "/services.{format}": {
                "get": {
                    "operationId": "services",
                    "parameters": [FORMAT, JURISDICTION],
                    "responses": {"200": _ok("Services", "服务列表"), "400": ERRORS["400"]},
                }
            },
            "/services/{service_code}.{format}": {
                "get": {
                    "operationId": "serviceDefinition",
                    "parameters": [
                        {
                            "name": "service_code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[^/.]+$"},
                        },
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": {
                        "200": _ok("ServiceDefinition", "服务定义"),
                        "400": ERRORS["400"],
                        "404": ERRORS["404"],
                    },
                }
            },
            "/requests.{format}": {
                "get": {
                    "operationId": "requests",
                    "parameters": [
                        FORMAT,
                        JURISDICTION,
                        CRS,
                        EXTENSIONS,
                        *[
                            {
                                "name": name,
                                "in": "query",
                                "required": False,
                                "schema": schema,
                                "description": text,
                            }
                            for name, schema, text in (
                                (
                                    "service_request_id",
                                    {"type": "string"},
                                    "逗号分隔的服务请求编号；给出时忽略其他条件",
                                ),
                                ("service_code", {"type": "string"}, "逗号分隔的服务编码"),
                                ("start_date", {"type": "string"}, "W3C 日期时间"),
                                (
                                    "end_date",
                                    {"type": "string"},
                                    "W3C 日期时间；与 start_date 相隔不超过 90 天",
                                ),
                                ("status", {"type": "string"}, "open、closed 或 open,closed"),
                                ("bbox", {"type": "string"}, "扩展：最小经度,最小纬度,最大经度,最大纬度"),
                                ("page", {"type": "integer", "minimum": 1}, "扩展：页码，从 1 开始"),
                                (
                                    "page_size",
                                    {"type": "integer", "minimum": 1, "maximum": 1000},
                                    "扩展：每页条数，默认 1000",
                                ),
                            )
                        ],
                    ],
                    "responses": {"200": _ok("ServiceRequests", "服务请求列表"), "400": ERRORS["400"]},
                },
                "post": {
                    "operationId": "createRequest",
                    "parameters": [FORMAT],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": request_schema},
                            "multipart/form-data": {"schema": multipart},
                        },
                    },
                    "responses": {
                        "200": _ok("CreatedRequests", "已受理"),
                        "400": ERRORS["400"],
                        "403": ERRORS["403"],
                        "429": _errors_response("提交过于频繁（每个客户端每分钟上限）"),
                    },
                },
            },
            "/requests/{service_request_id}.{format}": {
                "get": {
                    "operationId": "request",
                    "parameters": [
                        {
                            "name": "service_request_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[^/.]+$"},
                        },
                        FORMAT,
                        JURISDICTION,
                        CRS,
                        EXTENSIONS,
                    ],
                    "responses": {
                        "200": _ok("ServiceRequests", "一个服务请求"),
                        "400": ERRORS["400"],
                        "404": ERRORS["404"],
                    },
                }
            },
            "/requests/{service_request_id}/updates.{format}": {
                "get": {
                    "operationId": "requestUpdates",
                    "parameters": [
                        {
                            "name": "service_request_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[^/.]+$"},
                        },
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": {
                        "200": _ok("RequestUpdates", "扩展：办理进展"),
                        "400": ERRORS["400"],
                        "404": ERRORS["404"],
                    },
                }
            },
            "/tokens/{token_id}.{format}": {
                "get": {
                    "operationId": "token",
                    "parameters": [
                        {
                            "name": "token_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[^/.]+$"},
                        },
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": {
                        "200": _ok("Tokens", "令牌对应的服务请求编号"),
                        "400": ERRORS["400"],
                        "404": ERRORS["404"],
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "description"],
                        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                    },
                },
                "Discovery": {
                    "type": "object",
                    "required": ["changeset", "endpoints"],
                    "properties": {
                        "changeset": {"type": "string"},
                        "contact": {"type": "string"},
                        "key_service": {"type": "string"},
                        "endpoints": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "specification": {"type": "string"},
                                    "url": {"type": "string"},
                                    "changeset": {"type": "string"},
                                    "type": {"type": "string"},
                                    "formats": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                        },
                    },
                },
                "Services": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["service_code", "service_name"],
                        "properties": {
                            "service_code": {"type": "string"},
                            "service_name": {"type": "string"},
                            "description": NULLABLE_STRING,
                            "metadata": {"type": "boolean"},
                            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                            "keywords": NULLABLE_STRING,
                            "group": NULLABLE_STRING,
                        },
                    },
                },
                "ServiceDefinition": {
                    "type": "object",
                    "required": ["service_code", "attributes"],
                    "properties": {
                        "service_code": {"type": "string"},
                        "attributes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "variable": {"type": "boolean"},
                                    "code": {"type": "string"},
                                    "datatype": {
                                        "type": "string",
                                        "enum": [
                                            "string",
                                            "number",
                                            "datetime",
                                            "text",
                                            "singlevaluelist",
                                            "multivaluelist",
                                        ],
                                    },
                                    "required": {"type": "boolean"},
                                    "datatype_description": NULLABLE_STRING,
                                    "order": {"type": "integer"},
                                    "description": {"type": "string"},
                                    "values": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "key": {"type": "string"},
                                                "name": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "CreatedRequests": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "description": "所有服务都是 realtime：只给 service_request_id，不给 token（规范要求二者不同时出现）",
                        "required": ["service_request_id"],
                        "not": {"required": ["token"]},
                        "properties": {
                            "service_request_id": {"type": "string"},
                            "service_notice": NULLABLE_STRING,
                            "account_id": NULLABLE_STRING,
                        },
                    },
                },
                "Tokens": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
                    },
                },
                "ServiceRequests": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["service_request_id", "status", "requested_datetime"],
                        "properties": {
                            "service_request_id": {"type": "string"},
                            "status": {"type": "string", "enum": ["open", "closed"]},
                            "status_notes": NULLABLE_STRING,
                            "service_name": NULLABLE_STRING,
                            "service_code": NULLABLE_STRING,
                            "description": NULLABLE_STRING,
                            "agency_responsible": NULLABLE_STRING,
                            "service_notice": NULLABLE_STRING,
                            "requested_datetime": {"type": "string"},
                            "updated_datetime": NULLABLE_STRING,
                            "expected_datetime": NULLABLE_STRING,
                            "address": NULLABLE_STRING,
                            "address_id": NULLABLE_STRING,
                            "zipcode": NULLABLE_STRING,
                            "lat": {"type": "number", "nullable": True},
                            "long": {"type": "number", "nullable": True},
                            "media_url": NULLABLE_STRING,
                            "extended_attributes": {
                                "type": "object",
                                "description": "扩展（extensions=true）",
                            },
                        },
                    },
                },
                "RequestUpdates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "update_id": {"type": "string"},
                            "service_request_id": {"type": "string"},
                            "status": {"type": "string", "enum": ["open", "closed"]},
                            "updated_datetime": {"type": "string"},
                            "description": {"type": "string"},
                            "media_url": NULLABLE_STRING,
                            "detailed_status": NULLABLE_STRING,
                        },
                    },
                },
            }
        },
    }
    # Any path under /open311/ that names no resource (a format suffix with other than letters and digits,
    # an id with a dot) is a spec 404, whatever operation it resembles: every operation may answer it.
    for operations in doc["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("404", NOT_A_RESOURCE)
    return doc
