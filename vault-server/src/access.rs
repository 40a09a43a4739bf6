//! The access log and request metrics, one middleware around every route.
//!
//! Each answered request gives one log line (target `vault_server::access`) and one count in
//! [`crate::metrics::Metrics`]. Both name the route template, never the path as sent: paths hold
//! ids, and a query string could hold anything. Headers are not logged, so neither are tokens.

use std::time::Instant;

use axum::body::HttpBody as _;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;

use crate::metrics::UNMATCHED_ROUTE;
use crate::state::AppState;

/// Routes a load balancer or scraper calls every few seconds: logged at debug, not info.
const PROBES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Counts and logs one request; see the module docs. Durations run until the answer's headers
/// are ready, so they include an upload's body but not a download's.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    // What the client declared; an upload cut short sends less.
    let request_content_length = content_length(request.headers());
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.observe(&method, &route, status, elapsed);
    let response_bytes = response
        .body()
        .size_hint()
        .exact()
        .or_else(|| content_length(response.headers()));
    macro_rules! access {
        ($level:expr) => {
            tracing::event!(
                target: "vault_server::access",
                $level,
                method = %method,
                route = %route,
                status,
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                request_content_length,
                response_bytes,
                "request answered"
            )
        };
    }
    if PROBES.contains(&route.as_str()) {
        access!(tracing::Level::DEBUG);
    } else {
        access!(tracing::Level::INFO);
    }
    response
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
