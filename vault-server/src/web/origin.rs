//! Refuses form posts that a browser says came from another site.
//!
//! The CSRF token and `SameSite=Strict` cookies already stop another site from acting through
//! a signed-in browser. This is the second lock on the same door, and the one that also covers
//! the sign-in and registration forms, whose token is only as good as a cookie that a sibling
//! subdomain could plant: browsers say where a post came from in `Sec-Fetch-Site` and
//! `Origin`, and a post to the app from anywhere but the app's own pages is refused with 403
//! before its body is read. Requests without either header (command-line tools, old
//! browsers) are left to the token. The JSON API is passed through here: bearer tokens are not
//! sent by browsers on their own, and an API call made with the session cookie gets the same
//! check, for every method, in [`super::api_session`].

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::page::PageError;
use crate::state::AppState;

/// Passes safe methods, API calls and same-origin posts; see the module docs.
pub async fn same_origin_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || super::is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    if from_elsewhere(request.headers(), state.settings.public_url.as_ref()) {
        tracing::warn!("refused a form post from another site");
        return PageError::Csrf.into_response();
    }
    next.run(request).await
}

/// Whether the browser's own headers place the request on another site.
pub(crate) fn from_elsewhere(headers: &HeaderMap, public_url: Option<&url::Url>) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        // "null" (a sandboxed or privacy-stripped origin) or garbage: not our pages.
        return true;
    };
    let host_port = |u: &url::Url| {
        u.host_str()
            .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
    };
    let origin_host = host_port(&origin);
    if public_url.is_some_and(|public| host_port(public) == origin_host) {
        return false;
    }
    // Without a public URL, the Host the browser addressed is the app's own.
    let Some(host) = text(header::HOST) else {
        return true;
    };
    let default_port = origin.port_or_known_default().unwrap_or(0);
    let host = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host.ends_with(']')
    {
        host.to_owned()
    } else {
        format!("{host}:{default_port}")
    };
    origin_host.as_deref() != Some(host.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_apps_own_pages_pass() {
        let own = headers(&[
            ("origin", "http://127.0.0.1:8088"),
            ("host", "127.0.0.1:8088"),
        ]);
        assert!(!from_elsewhere(&own, None));
        let fetch = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(!from_elsewhere(&fetch, None));
        let tool = headers(&[("host", "127.0.0.1:8088")]);
        assert!(
            !from_elsewhere(&tool, None),
            "no browser headers: left to the token"
        );
        let https = headers(&[
            ("origin", "https://vault.example.org"),
            ("host", "backend:8088"),
        ]);
        let public = url::Url::parse("https://vault.example.org/").unwrap();
        assert!(
            !from_elsewhere(&https, Some(&public)),
            "behind a proxy, the public URL"
        );
        let default_port = headers(&[
            ("origin", "https://vault.example.org"),
            ("host", "vault.example.org"),
        ]);
        assert!(!from_elsewhere(&default_port, None));
    }

    #[test]
    fn other_sites_are_refused() {
        let evil = headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8088"),
        ]);
        assert!(from_elsewhere(&evil, None));
        let port = headers(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:8088"),
        ]);
        assert!(from_elsewhere(&port, None));
        let sibling = headers(&[("sec-fetch-site", "same-site")]);
        assert!(from_elsewhere(&sibling, None));
        let cross = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://127.0.0.1:8088"),
            ("host", "127.0.0.1:8088"),
        ]);
        assert!(from_elsewhere(&cross, None));
        let null = headers(&[("origin", "null"), ("host", "127.0.0.1:8088")]);
        assert!(from_elsewhere(&null, None));
    }
}
