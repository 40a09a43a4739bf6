//! Paging for the list pages: which page was asked for (`?page=N`, 1-based), the window of
//! rows to read (SQL `LIMIT`/`OFFSET`, bound as BIGINT so SQLite and PostgreSQL both take
//! them), and the previous/next links the partial `partials/pager.html` shows.
//!
//! A list of years of records stays one fast page. A page number that is not a number, zero
//! or below shows page 1; one past the end shows the last page: a link copied from a longer
//! list still answers a page, never an error.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Rows on one page of most lists.
pub const PAGE_SIZE: i64 = 50;

/// The page a list was asked for, as the query string's `page` gave it (1 when absent).
#[derive(Clone, Copy, Debug)]
pub struct Asked(i64);

impl Asked {
    /// Reads `page` from a query string; the last `page` wins, anything but digits is page 1,
    /// and digits too large to count are "the end".
    #[must_use]
    pub fn from_query(query: &str) -> Self {
        let value = query
            .split('&')
            .filter_map(|pair| pair.strip_prefix("page="))
            .next_back()
            .unwrap_or("");
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Self(1);
        }
        Self(value.parse().unwrap_or(i64::MAX))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self::from_query(parts.uri.query().unwrap_or("")))
    }
}

/// One page of a list: where it stands among all pages, and the links to its neighbours.
pub struct Pager {
    /// This page, from 1.
    pub page: i64,
    /// How many pages the list has (at least 1, so an empty list is "page 1 of 1").
    pub pages: i64,
    /// Rows in the whole list.
    pub total: i64,
    size: i64,
    /// The list's path with its filters, to which `page=N` is added.
    base: String,
}

impl Pager {
    /// Page `asked` of a list of `total` rows, `size` to a page, at `path`; the number is
    /// brought within the list's pages.
    #[must_use]
    pub fn new(asked: Asked, total: i64, size: i64, path: &str) -> Self {
        let size = size.max(1);
        let total = total.max(0);
        let pages = ((total + size - 1) / size).max(1);
        Self {
            page: asked.0.clamp(1, pages),
            pages,
            total,
            size,
            base: path.to_owned(),
        }
    }

    /// Keeps the filter `name=value` in the page links (the value URL-encoded), so the next
    /// page is of the same list.
    #[must_use]
    pub fn keeping(mut self, name: &str, value: &str) -> Self {
        if !value.is_empty() {
            let sep = if self.base.contains('?') { '&' } else { '?' };
            let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            self.base = format!("{}{sep}{name}={value}", self.base);
        }
        self
    }

    /// Rows to read: the SQL `LIMIT`.
    #[must_use]
    pub fn limit(&self) -> i64 {
        self.size
    }

    /// Rows to skip: the SQL `OFFSET`.
    #[must_use]
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.size)
    }

    /// The link to page `n`.
    fn href(&self, n: i64) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}page={n}", self.base)
    }

    /// The previous page's link, if there is one.
    #[must_use]
    pub fn prev(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1))
    }

    /// The next page's link, if there is one.
    #[must_use]
    pub fn next(&self) -> Option<String> {
        (self.page < self.pages).then(|| self.href(self.page + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::{Asked, Pager};

    fn page(query: &str, total: i64) -> Pager {
        Pager::new(Asked::from_query(query), total, 50, "/children")
    }

    #[test]
    fn bad_numbers_show_the_first_or_last_page() {
        assert_eq!(page("", 120).page, 1);
        assert_eq!(page("page=abc", 120).page, 1);
        assert_eq!(page("page=-2", 120).page, 1);
        assert_eq!(page("page=0", 120).page, 1);
        assert_eq!(page("page=999", 120).page, 3);
        assert_eq!(page("page=99999999999999999999999", 120).page, 3);
        assert_eq!(page("status=sent&page=2&page=3", 120).page, 3);
        assert_eq!(page("page=2", 0).page, 1);
    }

    #[test]
    fn windows_and_links_follow_the_page() {
        let p = page("page=3", 120);
        assert_eq!((p.pages, p.limit(), p.offset()), (3, 50, 100));
        assert_eq!(p.prev().as_deref(), Some("/children?page=2"));
        assert_eq!(p.next(), None);
        let p = Pager::new(Asked::from_query("page=1"), 51, 50, "/links").keeping("status", "a b");
        assert_eq!(p.prev(), None);
        assert_eq!(p.next().as_deref(), Some("/links?status=a+b&page=2"));
        assert_eq!(page("", 50).pages, 1);
    }
}
