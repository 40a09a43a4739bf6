//! Fresh PostgreSQL databases for tests and benchmarks.
//!
//! Each test that runs on PostgreSQL gets a database of its own, made on the server that an
//! administrator's URL points at, so tests never see each other's rows and can run at once.
//! The databases are left behind: they are meant for a throwaway cluster that is deleted whole.

use anyhow::Context as _;
use sqlx::postgres::PgConnection;
use sqlx::{Connection as _, Executor as _};

/// Creates a database with a random name through `admin_url` (a role allowed to create
/// databases) and returns the same URL pointing at the new database.
pub async fn fresh_postgres_database(admin_url: &str) -> anyhow::Result<String> {
    let name = format!("vault_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(admin_url)
        .await
        .context("connecting to the PostgreSQL server")?;
    // The name is ours (letters, digits, underscore), so it needs no quoting.
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .context("creating a database")?;
    conn.close().await.context("disconnecting")?;
    with_database(admin_url, &name)
}

/// `url` naming database `name` instead of the one it named.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(url).context("parsing the PostgreSQL URL")?;
    url.set_path(&format!("/{name}"));
    // A `dbname` parameter would override the path, so it goes.
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "dbname")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced() {
        let tcp = with_database("postgres://vault@127.0.0.1:5433/postgres", "vault_x").unwrap();
        assert_eq!(tcp, "postgres://vault@127.0.0.1:5433/vault_x");
        let socket = with_database("postgresql:///postgres?host=/tmp/pg&dbname=a", "b").unwrap();
        assert_eq!(socket, "postgresql:///b?host=%2Ftmp%2Fpg");
    }
}
