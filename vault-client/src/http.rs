//! The HTTP side: JSON requests with the bearer token, streaming upload and download.
//!
//! The token is attached as a header only, never in a URL, and is not kept in any error.
//! Errors from the server arrive as `{"error": {"code", "message"}}` and become
//! [`ClientError::Api`]; a 401 on an authenticated route means the server no longer honours
//! the stored token, which is [`ClientError::SessionExpired`].

use bytes::Bytes;
use futures::{Stream, TryStreamExt as _};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;

use vault_core::api::ErrorBody;

use crate::error::{ClientError, Result};

/// A connection to one server, with an optional session token.
pub(crate) struct Api {
    base: String,
    http: reqwest::Client,
    token: Option<SecretString>,
}

impl Api {
    pub(crate) fn new(server: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("vaultctl/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            base: server.trim_end_matches('/').to_owned(),
            http,
            token: None,
        })
    }

    pub(crate) fn set_token(&mut self, token: Option<SecretString>) {
        self.token = token;
    }

    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    fn request(&self, method: Method, path: &str, authed: bool) -> Result<RequestBuilder> {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        if !authed {
            return Ok(builder);
        }
        let token = self.token.as_ref().ok_or(ClientError::NotLoggedIn)?;
        Ok(builder.bearer_auth(token.expose_secret()))
    }

    /// Sends a request and turns an error answer into [`ClientError`].
    async fn send(builder: RequestBuilder, authed: bool) -> Result<Response> {
        let response = builder.send().await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if authed && status == StatusCode::UNAUTHORIZED {
            return Err(ClientError::SessionExpired);
        }
        let text = response.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => ("unknown".to_owned(), status.to_string()),
        };
        Err(ClientError::Api {
            status: status.as_u16(),
            code,
            message,
        })
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let response = Self::send(self.request(Method::GET, path, true)?, true).await?;
        Ok(response.json().await?)
    }

    pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let builder = self.request(Method::POST, path, true)?.json(body);
        let response = Self::send(builder, true).await?;
        Ok(response.json().await?)
    }

    /// A POST whose answer body is not needed.
    pub(crate) async fn post_no_answer<B: Serialize>(&self, path: &str, body: &B) -> Result<()> {
        let builder = self.request(Method::POST, path, true)?.json(body);
        Self::send(builder, true).await?;
        Ok(())
    }

    /// A PUT whose answer body is not needed.
    pub(crate) async fn put_no_answer<B: Serialize>(&self, path: &str, body: &B) -> Result<()> {
        let builder = self.request(Method::PUT, path, true)?.json(body);
        Self::send(builder, true).await?;
        Ok(())
    }

    /// A POST without a token (login, registration).
    pub(crate) async fn post_anonymous<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let builder = self.request(Method::POST, path, false)?.json(body);
        let response = Self::send(builder, false).await?;
        Ok(response.json().await?)
    }

    /// Uploads a document as multipart, the `body` part first and the `manifest` part after
    /// it, both streamed: the body as it is sealed, the manifest once it is signed. An error
    /// from either stream abandons the request mid-body, and the server keeps nothing.
    pub(crate) async fn upload_streamed<T, B, M>(
        &self,
        path: &str,
        body: B,
        manifest: M,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        B: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
        M: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let body = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body))
            .file_name("body.age")
            .mime_str("application/octet-stream")?;
        let manifest = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(manifest))
            .mime_str("application/json")?;
        let form = reqwest::multipart::Form::new()
            .part("body", body)
            .part("manifest", manifest);
        let builder = self.request(Method::POST, path, true)?.multipart(form);
        let response = Self::send(builder, true).await?;
        Ok(response.json().await?)
    }

    /// Starts a download and hands back the body as an async reader.
    pub(crate) async fn download(
        &self,
        path: &str,
    ) -> Result<impl tokio::io::AsyncRead + Send + Unpin + 'static> {
        let response = Self::send(self.request(Method::GET, path, true)?, true).await?;
        let stream = response.bytes_stream().map_err(std::io::Error::other);
        Ok(tokio_util::io::StreamReader::new(stream))
    }
}
