//! A browser without a browser: a cookie-keeping HTTP client for the web app's pages, and
//! accounts made directly in the database, so tests of one part of the app need not click
//! through every other part first. The Playwright tests in `tests/browser` drive the same
//! pages in a real browser.

use vault_core::ids::{OrgId, UserId};

use crate::platform::Platform;

/// One answer of the app.
#[derive(Debug)]
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
    /// Where a redirect points.
    pub location: Option<String>,
    /// Every header, for header checks.
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// The message shown next to form field `name` (the element with id `<name>-error`).
    #[must_use]
    pub fn field_error(&self, name: &str) -> Option<String> {
        let marker = format!("id=\"{name}-error\">");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('<')? + start;
        Some(html_text(&self.body[start..end]))
    }

    /// The CSRF token of the first form on the page.
    #[must_use]
    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }

    /// Whether the page's text contains `text` (with HTML entities of quotes decoded).
    #[must_use]
    pub fn shows(&self, text: &str) -> bool {
        html_text(&self.body).contains(text)
    }
}

/// Decodes the few entities askama writes.
#[must_use]
pub fn html_text(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One person's browser: cookies kept, redirects not followed (tests look at them).
pub struct Browser {
    client: reqwest::Client,
    base: String,
    csrf: Option<String>,
}

impl Browser {
    /// A browser with no cookies yet, pointed at the app at `base`.
    #[must_use]
    pub fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            base: base.to_owned(),
            csrf: None,
        }
    }

    async fn page(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap();
        let page = Page {
            status,
            body,
            location,
            headers,
        };
        if let Some(token) = page.csrf() {
            self.csrf = Some(token);
        }
        page
    }

    /// GET `path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        self.page(response).await
    }

    /// POSTs a form to `path` with the CSRF token of the last page that had one.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POSTs exactly `fields` to `path`, with no token added.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_html_form_encode(fields);
        self.post_body(path, body, &[]).await
    }

    /// POSTs a urlencoded `body` as given (with the last CSRF token first), with extra
    /// `headers` such as the `Origin` a browser would send.
    pub async fn post_body(&mut self, path: &str, body: String, headers: &[(&str, &str)]) -> Page {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        self.page(response).await
    }

    /// Sends an API request with this browser's cookies, a JSON `body` if given, and extra
    /// `headers` (such as `X-Vault-Csrf`), as the vault script in a page does.
    pub async fn api(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        self.page(response).await
    }

    /// The CSRF token of the last page that had one.
    #[must_use]
    pub fn token(&self) -> String {
        self.csrf.clone().unwrap_or_default()
    }

    /// POSTs a multipart form (for photos) with the last CSRF token.
    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form.text("csrf", token))
            .send()
            .await
            .unwrap();
        self.page(response).await
    }

    /// Opens the sign-in page and signs in; panics unless the app accepts.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let page = self.try_sign_in(email, password).await;
        assert_eq!(
            page.status, 303,
            "sign-in of {email} refused: {}",
            page.body
        );
    }

    /// Opens the sign-in page and posts the credentials; answers what the app said.
    pub async fn try_sign_in(&mut self, email: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

fn serde_html_form_encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Password of every account made by [`account`].
pub const PASSWORD: &str = "a long enough password";

/// What kind of web account [`account`] makes.
#[derive(Clone, Copy, Debug)]
pub enum Account {
    /// A manager without vault keys.
    Manager,
    /// A practitioner without vault keys.
    Practitioner,
    /// An adopter or foster carer.
    Family,
}

/// Makes an active web account in `org` directly in the database (password [`PASSWORD`]),
/// as if it had registered and been approved.
pub async fn account(
    platform: &Platform,
    org: OrgId,
    email: &str,
    name: &str,
    kind: Account,
) -> UserId {
    let pool = crate::web_fixtures::pool(platform).await;
    let hash = vault_server::auth::hash_password(PASSWORD.to_owned().into())
        .await
        .unwrap();
    let (kind, role) = match kind {
        Account::Manager => ("staff", Some("manager")),
        Account::Practitioner => ("staff", Some("practitioner")),
        Account::Family => ("family", None),
    };
    let id = UserId::new();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, kind, org_id, status, member_role, \
                            display_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, 0)",
    )
    .bind(id.to_string())
    .bind(email)
    .bind(hash)
    .bind(kind)
    .bind(org.to_string())
    .bind(role)
    .bind(name)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    id
}

/// An organisation made by the platform admin through the API, with no manager yet.
pub async fn organisation(platform: &Platform, name: &str) -> OrgId {
    platform.admin.create_org(name).await.unwrap().org.org_id
}
