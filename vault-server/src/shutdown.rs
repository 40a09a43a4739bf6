//! Graceful shutdown: stop accepting, let requests in flight finish within a grace period, then
//! abort the uploads still running so that they leave nothing behind.
//!
//! An upload cut off by shutdown must end as if its client had gone away: the object upload
//! aborted, no row written. Dropping the upload task at process exit would skip that clean-up,
//! so uploads run on a [`TaskTracker`] and read their body through [`Stopping::aborted`]; when
//! the grace period is over the body ends early, the upload's own error path aborts the object
//! upload, and the server waits for those tasks before it returns.

use std::future::{Future, IntoFuture as _};
use std::time::Duration;

use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;

/// How long aborted uploads get to clean up once the grace period is over.
const ABORT_WAIT: Duration = Duration::from_secs(10);
/// How long connections get to send the answers of aborted uploads before the server returns.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// Uploads in flight and the signal that tells them to give up.
#[derive(Default)]
pub struct Stopping {
    abort: CancellationToken,
    uploads: TaskTracker,
}

impl Stopping {
    /// Runs an upload so that shutdown can wait for it.
    pub fn spawn_upload<F>(&self, work: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.uploads.spawn(work)
    }

    /// Completes when uploads must give up.
    pub fn aborted(&self) -> WaitForCancellationFutureOwned {
        self.abort.clone().cancelled_owned()
    }

    /// Whether uploads have been told to give up.
    #[must_use]
    pub fn is_aborted(&self) -> bool {
        self.abort.is_cancelled()
    }

    /// Tells uploads to give up and waits (within [`ABORT_WAIT`]) until they have cleaned up.
    async fn abort_uploads(&self) {
        self.abort.cancel();
        self.uploads.close();
        if tokio::time::timeout(ABORT_WAIT, self.uploads.wait())
            .await
            .is_err()
        {
            tracing::error!(
                uploads = self.uploads.len(),
                "uploads still cleaning up at exit"
            );
        }
    }
}

/// Serves `router` until `signal` completes, then as described in the module docs.
pub async fn serve(
    router: axum::Router,
    listener: tokio::net::TcpListener,
    signal: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    stopping: &Stopping,
) -> std::io::Result<()> {
    let (began, beginning) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        signal.await;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: no new connections, finishing requests in flight"
        );
        let _ = began.send(());
    };
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service)
        .with_graceful_shutdown(signal)
        .into_future();
    tokio::pin!(server);
    let grace_over = async move {
        if beginning.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = &mut server => {
            stopping.abort_uploads().await;
            return result;
        }
        () = grace_over => {}
    }
    tracing::warn!("grace period over: aborting uploads in flight");
    stopping.abort_uploads().await;
    if tokio::time::timeout(ANSWER_WAIT, &mut server)
        .await
        .is_err()
    {
        tracing::warn!("stopping with requests still in flight");
    }
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what service managers and orchestrators send).
pub async fn signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
