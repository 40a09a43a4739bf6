//! Prometheus metrics of one server process, served at `GET /metrics`.
//!
//! Labels are chosen so that nothing about a person or a case can leak through them: requests
//! are counted by method, route template (`/v1/cases/{case_id}`, never the path with its ids)
//! and status, and everything else is a plain counter. Each [`Metrics`] has its own registry,
//! so servers started side by side in one test process count separately.

use std::time::Duration;

use axum::http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Route label of requests no route matched, so unknown paths cannot add label values.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// Labels of the duration histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

type Durations = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The counters and histograms, and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Durations,
    /// Bytes of upload request bodies received (`vault_upload_body_bytes_total`), refused
    /// uploads included.
    pub upload_body_bytes: Counter,
    /// Bytes of document ciphertext handed to the object store
    /// (`vault_object_body_bytes_written_total`).
    pub object_body_bytes_written: Counter,
    /// Bytes of document ciphertext read from the object store and sent to clients
    /// (`vault_object_body_bytes_read_total`).
    pub object_body_bytes_read: Counter,
}

/// Request duration buckets: 1 ms doubling up to about 65 s (uploads of gigabytes are slow).
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: Durations = Family::new_with_constructor(duration_histogram);
        let upload_body_bytes = Counter::default();
        let object_body_bytes_written = Counter::default();
        let object_body_bytes_read = Counter::default();
        registry.register(
            "vault_http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "vault_http_request_duration_seconds",
            "Time from receiving a request to its answer being ready, by route template",
            durations.clone(),
        );
        registry.register(
            "vault_upload_body_bytes",
            "Bytes of document upload request bodies received",
            upload_body_bytes.clone(),
        );
        registry.register(
            "vault_object_body_bytes_written",
            "Bytes of document ciphertext written to the object store",
            object_body_bytes_written.clone(),
        );
        registry.register(
            "vault_object_body_bytes_read",
            "Bytes of document ciphertext read from the object store",
            object_body_bytes_read.clone(),
        );
        Self {
            registry,
            requests,
            durations,
            upload_body_bytes,
            object_body_bytes_written,
            object_body_bytes_read,
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                method,
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Every metric in the OpenMetrics text format Prometheus scrapes.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A fixed label per method, so a client inventing method names cannot add label values.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_with_their_labels() {
        let metrics = Metrics::new();
        let custom = Method::from_bytes(b"BREW").unwrap();
        metrics.observe(
            &custom,
            "/v1/cases/{case_id}",
            404,
            Duration::from_millis(3),
        );
        metrics.object_body_bytes_read.inc_by(42);
        let text = metrics.render();
        assert!(text.contains(
            "vault_http_requests_total{method=\"other\",route=\"/v1/cases/{case_id}\",\
             status=\"404\"} 1"
        ));
        assert!(text.contains("vault_object_body_bytes_read_total 42"));
        assert!(text.contains("vault_object_body_bytes_written_total 0"));
        assert!(text.ends_with("# EOF\n"));
    }
}
