//! Form posts and path ids: the extractors that check what a browser sends before a handler
//! sees it.
//!
//! [`Form`] reads an `application/x-www-form-urlencoded` body of at most
//! [`super::MAX_FORM_BYTES`], checks its `csrf` field against the session's token (or, before
//! sign-in, against the form cookie), and only then parses the fields; repeated fields become
//! `Vec`s. A form without its token is refused with 403 before anything else is looked at.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::page::PageError;
use super::session::{self, Viewer};
use crate::state::AppState;

/// Largest photo accepted on a profile.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// A form body whose CSRF token was checked; see the module docs.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await.ok();
        let req = Request::from_parts(parts, body);
        let headers = req.headers().clone();
        let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES)
            .await
            .map_err(|_| PageError::TooLarge("the form is larger than this app accepts"))?;
        let token: Token = serde_html_form::from_bytes(&bytes).map_err(|_| PageError::Csrf)?;
        let expected_ok = match &viewer {
            Some(viewer) => viewer.csrf_matches(&token.csrf),
            None => session::cookie(&headers, session::form_cookie_name(&state.settings))
                .is_some_and(|cookie| session::same_secret(cookie, &token.csrf)),
        };
        if token.csrf.is_empty() || !expected_ok {
            tracing::warn!("refused a form without a valid CSRF token");
            return Err(PageError::Csrf);
        }
        if !decodes_as_utf8(&bytes) {
            tracing::warn!("refused a form that is not UTF-8");
            return Err(PageError::BadRequest("the form was not one this app sends"));
        }
        parse(&bytes).map(Self)
    }
}

/// Whether every percent-decoded name and value of a urlencoded body is UTF-8. The parser
/// would otherwise turn bytes that are not into replacement characters and store them.
fn decodes_as_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&').all(|pair| {
        let mut decoded = Vec::with_capacity(pair.len());
        let mut i = 0;
        while i < pair.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            match pair[i] {
                b'%' if i + 2 < pair.len() => match (hex(pair[i + 1]), hex(pair[i + 2])) {
                    (Some(high), Some(low)) => {
                        decoded.push(u8::try_from(high * 16 + low).unwrap_or(0));
                        i += 3;
                        continue;
                    }
                    _ => decoded.push(b'%'),
                },
                b'+' => decoded.push(b' '),
                byte => decoded.push(byte),
            }
            i += 1;
        }
        std::str::from_utf8(&decoded).is_ok()
    })
}

fn parse<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, PageError> {
    serde_html_form::from_bytes(bytes).map_err(|_| {
        tracing::warn!("refused a form of an unexpected shape");
        PageError::BadRequest("the form was not one this app sends")
    })
}

/// The body of a form that sends nothing but its token, such as a single button.
#[derive(Deserialize)]
pub struct Empty {}

/// A path id; one that does not parse answers 404 like any id the caller may not see.
pub struct Id<T>(pub T);

impl<T, S> FromRequestParts<S> for Id<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|_| PageError::NotFound)
    }
}

/// Checks a token that came another way (a multipart field) against the viewer's session.
pub fn check_csrf(viewer: &Viewer, token: &str) -> Result<(), PageError> {
    if !token.is_empty() && viewer.csrf_matches(token) {
        Ok(())
    } else {
        tracing::warn!("refused a form without a valid CSRF token");
        Err(PageError::Csrf)
    }
}

/// Trims a text field and checks its length and characters: no control characters except
/// line breaks and tabs where `multiline`, and at most `max` characters.
pub fn text(value: &str, max: usize, multiline: bool) -> Result<String, String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    // Zero-width characters and bidirectional controls, which hide or reorder text.
    let invisible = |c: char| {
        let zero_width = ('\u{200b}'..='\u{200f}').contains(&c);
        let bidi = ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c);
        zero_width || bidi
    };
    let bad = value.chars().any(|c| {
        (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) || invisible(c)
    });
    if bad {
        return Err("Remove the control or invisible formatting characters.".to_owned());
    }
    Ok(value.replace("\r\n", "\n"))
}

/// Like [`text`], and also required.
pub fn required(value: &str, max: usize, multiline: bool) -> Result<String, String> {
    let value = text(value, max, multiline)?;
    if value.is_empty() {
        Err("This field is required.".to_owned())
    } else {
        Ok(value)
    }
}

/// A whole number within `min..=max`, from a form field.
pub fn number(value: &str, min: i64, max: i64) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("Enter a whole number from {min} to {max}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoded_fields_must_be_utf8() {
        assert!(decodes_as_utf8(b"body=caf%C3%A9+au+lait&csrf=ab"));
        assert!(
            decodes_as_utf8(b"a=100%25&b=%"),
            "a lone % is kept as it is"
        );
        assert!(!decodes_as_utf8(b"body=%FF%FE"));
        assert!(!decodes_as_utf8(b"csrf=x&body=ok%C3"), "a cut sequence");
        assert!(!decodes_as_utf8(b"%FF=name"));
    }
}
