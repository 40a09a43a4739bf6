//! The ceiling for `bench/load.sh`: an axum server with one route that answers a fixed small
//! JSON body, no database, no authentication, no logging, on the same runtime as vault-server.
//! Whatever rate it reaches on this machine is the most the HTTP stack alone allows, so the
//! vault's case listing can be quoted as a fraction of it.
//!
//! `cargo run --release -p vault-server --example bare_axum [ADDRESS]` (default 127.0.0.1:0);
//! prints the bound address on its first line, then serves `GET /` until stopped.

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The answer, built afresh for each request as a real handler builds its own.
async fn fixed() -> Json<Value> {
    Json(json!({ "status": "ok", "cases": [] }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("127.0.0.1:0")
        .parse()
        .context("the address must look like 127.0.0.1:8080")?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .context("binding the address")?;
    println!("{}", listener.local_addr()?);
    let app = Router::new().route("/", get(fixed));
    axum::serve(listener, app).await?;
    Ok(())
}
