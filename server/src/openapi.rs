//! The OpenAPI 3.1 description of the API, served at `GET /api/v1/openapi.json`.
//!
//! Written by hand next to the handlers; `server/tests/http/openapi.rs` checks it against the
//! running router: every documented operation answers with a documented status and media type,
//! every other method on a documented path is a 405, the route table
//! ([`crate::app::api_routes`]) and the document name the same operations, and the real JSON
//! bodies have exactly the documented properties.

use serde_json::{Value, json};

use crate::routes::{HEALTH_PATH, OCTET_STREAM, OPENAPI_PATH, PARAMS_PATH, SCORE_PATH};
use crate::state::AppState;

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// The document for a server in `state` (it states the body limit and the presets served).
pub fn document(state: &AppState) -> Value {
    let presets: Vec<&str> = state.presets().map(scoring::Preset::name).collect();
    let limit = state.body_limit();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Blind Mirror scoring API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Encrypted skin-care scoring: the client posts a CKKS-encrypted skin profile, \
                the server scores its catalog on the ciphertext and answers with encrypted scores. \
                Every error is an RFC 9457 problem document; unknown paths under /api are 404 \
                problems and known paths with another method are 405 problems.",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "paths": {
            PARAMS_PATH: {
                "get": {
                    "operationId": "getParams",
                    "summary": "Presets and public catalog facts",
                    "description": "The parameter presets this server accepts and the public facts \
                        of its products (ids, names, descriptions, targets) in score order. Never weights.",
                    "responses": {
                        "200": {
                            "description": "The params document.",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ParamsDocument" } } }
                        }
                    }
                }
            },
            SCORE_PATH: {
                "post": {
                    "operationId": "score",
                    "summary": "Score an encrypted profile",
                    "description": format!(
                        "The body is a score request (docs/wire-format.md): header, seeds, c0, compressed \
                         public key; its preset is the one in its header (served: {}). The answer is the \
                         encrypted scores of every product. Server-Timing gives the queue, evaluation and \
                         total times in milliseconds. Bodies above {limit} bytes (the largest served \
                         preset's request) are refused.", presets.join(", ")),
                    "parameters": [{
                        "name": "catalog",
                        "in": "query",
                        "required": false,
                        "description": "The catalog fingerprint the client holds the product list of \
                            (catalog_fingerprint of the params document); 422 if it is not this server's.",
                        "schema": { "type": "string", "pattern": "^[0-9a-fA-F]{8}$" }
                    }],
                    "requestBody": {
                        "required": true,
                        "content": { OCTET_STREAM: { "schema": { "type": "string", "contentMediaType": OCTET_STREAM } } }
                    },
                    "responses": {
                        "200": {
                            "description": "The encrypted scores (a score response).",
                            "headers": {
                                "Server-Timing": {
                                    "description": "queue, eval and total durations in milliseconds.",
                                    "schema": { "type": "string" }
                                }
                            },
                            "content": { OCTET_STREAM: { "schema": { "type": "string", "contentMediaType": OCTET_STREAM } } }
                        },
                        "400": problem("Malformed request bytes (truncated, bad magic, trailing bytes, a coefficient out of range), an incomplete body or an invalid query."),
                        "413": problem("The body is larger than the largest request of a served preset."),
                        "415": problem("The body is not application/octet-stream."),
                        "422": problem("Another wire format version, an unknown or unserved preset, or another catalog than the one named."),
                        "429": problem("The client's rate limit is exhausted; see Retry-After."),
                        "500": problem("A failure of the server; the detail is withheld."),
                        "503": problem("Every evaluation slot is taken, or the request timed out; see Retry-After.")
                    }
                }
            },
            HEALTH_PATH: {
                "get": {
                    "operationId": "getHealth",
                    "summary": "Liveness and what is loaded",
                    "responses": {
                        "200": {
                            "description": "The server is up.",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } }
                        }
                    }
                }
            },
            OPENAPI_PATH: {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": { "application/json": { "schema": { "type": "object" } } }
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Problem": {
                    "type": "object",
                    "description": "RFC 9457 problem details.",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": { "type": "string", "description": "/problems/<slug>, one per kind of error." },
                        "title": { "type": "string" },
                        "status": { "type": "integer" },
                        "detail": { "type": "string" }
                    }
                },
                "ParamsDocument": {
                    "type": "object",
                    "required": ["version", "default_preset", "presets", "products"],
                    "properties": {
                        "version": { "type": "integer", "const": scoring::api::PARAMS_DOCUMENT_VERSION },
                        "default_preset": { "type": "string" },
                        "presets": { "type": "array", "items": { "$ref": "#/components/schemas/PresetInfo" } },
                        "products": { "type": "array", "items": { "$ref": "#/components/schemas/ProductInfo" } },
                        "features": { "type": "array", "items": { "$ref": "#/components/schemas/SkinFeature" } },
                        "catalog_fingerprint": { "type": "string", "pattern": "^[0-9a-f]{8}$" }
                    }
                },
                "SkinFeature": {
                    "type": "string",
                    "enum": scoring::SkinFeature::ALL.iter().map(|f| f.name()).collect::<Vec<_>>()
                },
                "PresetInfo": {
                    "type": "object",
                    "required": ["name", "ring_degree", "log2_q", "security_bits"],
                    "properties": {
                        "name": { "type": "string" },
                        "ring_degree": { "type": "integer", "description": "n" },
                        "log2_q": { "type": "integer", "description": "bits of Q" },
                        "security_bits": { "type": "integer" },
                        "id": { "type": "integer", "description": "preset id of the wire header" },
                        "primes": { "type": "array", "items": { "type": "integer" } },
                        "log2_q_exact": { "type": "number" },
                        "output_modulus": { "type": "integer", "description": "q' = q_0" },
                        "log2_feature_scale": { "type": "number", "description": "log2 Df" },
                        "log2_weight_scale": { "type": "number", "description": "log2 Dw" },
                        "log2_output_scale": { "type": "number", "description": "log2 Df Dw q_0 / Q" },
                        "compressed_bits": { "type": "integer" },
                        "sigma": { "type": "number" },
                        "noise_flooding": { "type": "boolean" },
                        "products_per_ciphertext": { "type": "integer" },
                        "error_bound": { "type": "number", "description": "bound on |fhe - cleartext| for this catalog" },
                        "request_bytes": { "type": "integer" },
                        "public_key_bytes": { "type": "integer" },
                        "response_bytes": { "type": "integer" }
                    }
                },
                "ProductInfo": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": { "type": "string" },
                        "name": { "type": "string" },
                        "description": { "type": "string" },
                        "targets": { "type": "array", "items": { "$ref": "#/components/schemas/SkinFeature" } }
                    }
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "presets", "products", "catalog_fingerprint", "in_flight", "max_in_flight", "threads"],
                    "properties": {
                        "status": { "type": "string", "const": "ok" },
                        "presets": { "type": "array", "items": { "type": "string" } },
                        "products": { "type": "integer" },
                        "catalog_fingerprint": { "type": "string" },
                        "in_flight": { "type": "integer" },
                        "max_in_flight": { "type": "integer" },
                        "threads": { "type": "integer" }
                    }
                }
            }
        }
    })
}
