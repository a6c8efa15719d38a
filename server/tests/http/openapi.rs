//! The OpenAPI document against the router it describes.

use std::collections::BTreeSet;

use scoring::Preset;
use serde_json::Value;

use crate::common::{Client, TestServer, http, profile};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

async fn fetch_json(http: &reqwest::Client, url: String) -> Value {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

/// Resolves a `$ref` of the document.
fn schema<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let name = reference.trim_start_matches("#/components/schemas/");
    &doc["components"]["schemas"][name]
}

/// `value` has every required property of `schema_name` and no undocumented one; recurses into
/// arrays of `$ref` items.
fn check_properties(doc: &Value, schema_name: &str, value: &Value) {
    let described = schema(doc, schema_name);
    let documented: BTreeSet<&str> = described["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema_name} has no properties"))
        .keys()
        .map(String::as_str)
        .collect();
    let present: BTreeSet<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(present, documented, "{schema_name}: served vs documented");
    for required in described["required"].as_array().unwrap() {
        assert!(present.contains(required.as_str().unwrap()));
    }
    for (name, property) in described["properties"].as_object().unwrap() {
        if let Some(item_ref) = property["items"]["$ref"].as_str()
            && schema(doc, item_ref).get("properties").is_some()
        {
            for item in value[name].as_array().unwrap() {
                check_properties(doc, item_ref, item);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_describes_exactly_the_routes_served() {
    let server = TestServer::demo("openapi").await;
    let http = http();
    let doc = fetch_json(&http, server.url("/api/v1/openapi.json")).await;
    assert_eq!(doc["openapi"], "3.1.0");

    // The document's operations are the router's route table.
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = server::app::api_routes()
        .into_iter()
        .map(|(method, path, _)| (method.as_str().to_ascii_lowercase(), path.to_owned()))
        .collect();
    assert_eq!(documented, routed);

    let client = Client::new(Preset::Exact);
    for (method, path) in &documented {
        let operation = &doc["paths"][path][method];
        // Every documented operation answers with a documented status and media type.
        let response = match method.as_str() {
            "get" => http.get(server.url(path)).send().await.unwrap(),
            "post" => http
                .post(server.url(path))
                .header("content-type", "application/octet-stream")
                .body(client.request(&profile(0)))
                .send()
                .await
                .unwrap(),
            other => panic!("no request for {other}"),
        };
        let status = response.status().as_u16().to_string();
        let documented_response = &operation["responses"][&status];
        assert!(
            documented_response.is_object(),
            "{method} {path} answered {status}, not documented"
        );
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            documented_response["content"].get(&content_type).is_some(),
            "{method} {path}: {content_type} not documented for {status}"
        );
        // Every other method on a documented path is a 405 problem.
        for other in METHODS
            .iter()
            .filter(|m| !documented.contains(&(m.to_string(), path.clone())))
        {
            let response = http
                .request(other.to_uppercase().parse().unwrap(), server.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 405, "{other} {path}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
        }
    }

    // The JSON bodies have exactly the documented properties.
    let params = fetch_json(&http, server.url("/api/v1/params")).await;
    check_properties(&doc, "ParamsDocument", &params);
    let health = fetch_json(&http, server.url("/api/v1/health")).await;
    check_properties(&doc, "Health", &health);
    let problem_response = http.get(server.url("/api/v1/none")).send().await.unwrap();
    let problem: Value = serde_json::from_slice(&problem_response.bytes().await.unwrap()).unwrap();
    check_properties(&doc, "Problem", &problem);
    // The score operation documents every status the error tests produce.
    let score = &doc["paths"]["/api/v1/score"]["post"]["responses"];
    for status in ["200", "400", "413", "415", "422", "429", "500", "503"] {
        assert!(score[status].is_object(), "{status} not documented");
    }
    let features: Vec<&str> = doc["components"]["schemas"]["SkinFeature"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        features,
        scoring::SkinFeature::ALL.map(scoring::SkinFeature::name)
    );
    server.shutdown().await.unwrap();
}
