//! Calls to the scoring server, relative to the page's address (so a server mounted under a
//! path prefix works too), and the parsing of what comes back.

use scoring::api::ParamsDocument;
use serde::Deserialize;

use crate::error::UiError;

/// Path of the service description, relative to the page.
pub const PARAMS_URL: &str = "api/v1/params";
/// Path of the scoring endpoint, relative to the page.
pub const SCORE_URL: &str = "api/v1/score";

/// One metric of a `Server-Timing` header: `name;dur=1.23;desc="..."`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingMetric {
    /// Metric name (`eval`, `queue`, `total` on this project's server).
    pub name: String,
    /// Duration in milliseconds, if given.
    pub duration_ms: Option<f64>,
    /// Description, if given.
    pub description: Option<String>,
}

/// Parses a `Server-Timing` header value (W3C Server Timing); unreadable parts are skipped.
pub fn parse_server_timing(value: &str) -> Vec<TimingMetric> {
    value
        .split(',')
        .filter_map(|metric| {
            let mut parts = metric.split(';').map(str::trim);
            let name = parts.next().filter(|n| !n.is_empty())?.to_owned();
            let mut duration_ms = None;
            let mut description = None;
            for part in parts {
                let Some((key, raw)) = part.split_once('=') else {
                    continue;
                };
                let raw = raw.trim();
                match key.trim().to_ascii_lowercase().as_str() {
                    "dur" => duration_ms = raw.parse::<f64>().ok().filter(|d| d.is_finite()),
                    "desc" => {
                        description = Some(raw.trim_matches('"').to_owned());
                    }
                    _ => {}
                }
            }
            Some(TimingMetric {
                name,
                duration_ms,
                description,
            })
        })
        .collect()
}

/// The duration of the metric called `name`, if the header has it.
pub fn timing_of(metrics: &[TimingMetric], name: &str) -> Option<f64> {
    metrics
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
        .and_then(|m| m.duration_ms)
}

/// The fields of an RFC 9457 problem document this page reads.
#[derive(Debug, Deserialize)]
struct ProblemBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    status: Option<u16>,
}

/// The error for a non-2xx answer: a [`UiError::Problem`] when the body is a problem document,
/// else a [`UiError::HttpStatus`].
pub fn error_from_answer(
    url: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> UiError {
    let is_problem = content_type.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/problem+json"))
    });
    let parsed = if is_problem {
        serde_json::from_str::<ProblemBody>(body).ok()
    } else {
        None
    };
    match parsed {
        Some(problem) => UiError::Problem {
            status: problem.status.unwrap_or(status),
            title: problem.title.unwrap_or_else(|| format!("HTTP {status}")),
            detail: problem
                .detail
                .unwrap_or_else(|| "no detail given".to_owned()),
        },
        None => UiError::HttpStatus {
            url: url.to_owned(),
            status,
        },
    }
}

/// Fetches and decodes the service description.
///
/// # Errors
/// [`UiError::Network`] if no answer came, [`UiError::HttpStatus`] or [`UiError::Problem`] for a
/// non-2xx answer, [`UiError::BadDocument`] if the body is not a [`ParamsDocument`].
pub async fn fetch_params() -> Result<ParamsDocument, UiError> {
    let network = |error: gloo_net::Error| UiError::Network {
        url: PARAMS_URL.to_owned(),
        reason: error.to_string(),
    };
    let response = gloo_net::http::Request::get(PARAMS_URL)
        .send()
        .await
        .map_err(network)?;
    let text = response.text().await.map_err(network)?;
    if !response.ok() {
        let content_type = response.headers().get("content-type");
        return Err(error_from_answer(
            PARAMS_URL,
            response.status(),
            content_type.as_deref(),
            &text,
        ));
    }
    serde_json::from_str(&text).map_err(|error| UiError::BadDocument {
        url: PARAMS_URL.to_owned(),
        reason: error.to_string(),
    })
}

/// What the server sent back for a score request.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerReply {
    /// The response bytes.
    pub body: Vec<u8>,
    /// From just before the request left to the answer in hand, on the page's clock, in
    /// milliseconds (it includes any time the page spent rendering meanwhile).
    pub round_trip_ms: f64,
    /// The browser's own network timing of the request (Resource Timing: `responseEnd -
    /// startTime`), if the browser recorded it.
    pub network_ms: Option<f64>,
    /// The `Server-Timing` metrics.
    pub timing: Vec<TimingMetric>,
}

/// Posts request bytes to the scoring endpoint; `catalog` (8 hex digits) makes the server
/// refuse the request if its catalog is not the one the page holds the product list of.
///
/// # Errors
/// [`UiError::Network`] if no answer came; [`UiError::Problem`] (or [`UiError::HttpStatus`])
/// when the server refused the request.
pub async fn post_score(request: &[u8], catalog: &str) -> Result<ServerReply, UiError> {
    let url = if catalog.is_empty() {
        SCORE_URL.to_owned()
    } else {
        format!("{SCORE_URL}?catalog={catalog}")
    };
    let network = |error: gloo_net::Error| UiError::Network {
        url: SCORE_URL.to_owned(),
        reason: error.to_string(),
    };
    let body = js_sys::Uint8Array::from(request);
    let start = crate::clock::now_ms();
    let response = gloo_net::http::Request::post(&url)
        .header("content-type", "application/octet-stream")
        .body(body)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    if !response.ok() {
        let text = response.text().await.unwrap_or_default();
        let content_type = response.headers().get("content-type");
        return Err(error_from_answer(
            SCORE_URL,
            response.status(),
            content_type.as_deref(),
            &text,
        ));
    }
    let bytes = response.binary().await.map_err(network)?;
    let round_trip_ms = crate::clock::now_ms() - start;
    let network_ms = resource_timing(&url);
    let timing = response
        .headers()
        .get("server-timing")
        .map(|v| parse_server_timing(&v))
        .unwrap_or_default();
    Ok(ServerReply {
        body: bytes,
        round_trip_ms,
        network_ms,
        timing,
    })
}

/// The duration of the latest Resource Timing entry for `relative_url` (resolved against the
/// page), then clears the entries so the browser's buffer (250 by default) never fills up.
fn resource_timing(relative_url: &str) -> Option<f64> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let base = window.document()?.base_uri().ok()??;
    let url = web_sys::Url::new_with_base(relative_url, &base)
        .ok()?
        .href();
    let performance = window.performance()?;
    let entries = performance.get_entries_by_name(&url);
    let last = entries
        .get(entries.length().checked_sub(1)?)
        .dyn_into::<web_sys::PerformanceResourceTiming>()
        .ok()?;
    performance.clear_resource_timings();
    let duration = last.response_end() - last.start_time();
    (duration > 0.0).then_some(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_timing_reads_every_metric() {
        let header = "queue;dur=0.004;desc=\"waiting for an evaluation thread\", \
                      eval;dur=0.123;desc=\"encrypted evaluation\", total;dur=0.2";
        let metrics = parse_server_timing(header);
        assert_eq!(metrics.len(), 3);
        assert_eq!(metrics[0].name, "queue");
        assert_eq!(
            metrics[0].description.as_deref(),
            Some("waiting for an evaluation thread")
        );
        assert_eq!(timing_of(&metrics, "eval"), Some(0.123));
        assert_eq!(timing_of(&metrics, "TOTAL"), Some(0.2));
        assert_eq!(timing_of(&metrics, "db"), None);
    }

    #[test]
    fn server_timing_skips_what_it_cannot_read() {
        let metrics = parse_server_timing("miss, ;dur=3, cpu;dur=abc, x;dur=inf;foo, y;dur=2.5");
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["miss", "cpu", "x", "y"]);
        assert_eq!(metrics[0].duration_ms, None);
        assert_eq!(metrics[1].duration_ms, None);
        assert_eq!(metrics[2].duration_ms, None);
        assert_eq!(metrics[3].duration_ms, Some(2.5));
        assert!(parse_server_timing("").is_empty());
    }

    #[test]
    fn problem_documents_become_readable_errors() {
        let body = r#"{"type":"/problems/preset-not-served","title":"Preset not served",
                       "status":422,"detail":"this server scores exact only"}"#;
        assert_eq!(
            error_from_answer(SCORE_URL, 422, Some("application/problem+json"), body),
            UiError::Problem {
                status: 422,
                title: "Preset not served".to_owned(),
                detail: "this server scores exact only".to_owned(),
            }
        );
        // Parameters of the media type are ignored; missing members get defaults.
        assert_eq!(
            error_from_answer(
                SCORE_URL,
                413,
                Some("application/problem+json; charset=utf-8"),
                "{}"
            ),
            UiError::Problem {
                status: 413,
                title: "HTTP 413".to_owned(),
                detail: "no detail given".to_owned(),
            }
        );
    }

    #[test]
    fn other_error_bodies_keep_the_status() {
        for (content_type, body) in [
            (Some("text/html"), "<h1>Bad gateway</h1>"),
            (Some("application/problem+json"), "not json"),
            (None, ""),
        ] {
            assert_eq!(
                error_from_answer(SCORE_URL, 502, content_type, body),
                UiError::HttpStatus {
                    url: SCORE_URL.to_owned(),
                    status: 502
                }
            );
        }
    }
}
