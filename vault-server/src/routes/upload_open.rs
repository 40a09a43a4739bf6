//! The uploads in parts that are open on this server process: who owns each, the object it is
//! being written to, what its bytes have shown so far, and the watchdog that ends it when it is
//! left idle or the server shuts down.
//!
//! They live in memory only: an upload belongs to the process that began it, as a one-request
//! upload belongs to its connection. A process that stops aborts its open uploads (see
//! [`crate::shutdown`]), and one that dies leaves at most an unfinished object upload, which the
//! store's own clean-up removes as it does for a one-request upload cut off the same way.
//! TODO(#6): being in one process's memory, an upload needs every one of its requests to reach
//! that process; replicas behind a load balancer need affinity for it (docs/deployment.md).
//!
//! Each upload's work (its object sink and its byte checks) sits behind an async mutex, so its
//! parts are taken one at a time, and whoever ends it (finish, cancel, expiry, shutdown) takes
//! the work out under that mutex: a request that comes after finds nothing and answers 404.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use object_store::path::Path;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use vault_core::ids::{CaseId, UserId};

use crate::error::{ApiError, ApiResult};
use crate::objects::sink::Sink;
use crate::routes::upload_check::BodyCheck;
use crate::state::AppState;

/// Uploads one member may have open at once.
pub const MAX_OPEN_PER_MEMBER: usize = 4;
/// Uploads open on one server process at once, whoever owns them. With each holding at most
/// one part being read (8 MiB) and its object sink's parts (15 MiB), this bounds memory.
pub const MAX_OPEN: usize = 64;

/// The open uploads of this process, by id.
#[derive(Default)]
pub struct OpenUploads {
    map: Mutex<HashMap<Uuid, Arc<Open>>>,
}

/// One open upload.
pub(crate) struct Open {
    /// The member who began it; nobody else may touch it.
    pub(crate) owner: UserId,
    /// The case it will add a document to.
    pub(crate) case: CaseId,
    /// The object its bytes go to (`documents/received/<random hex>`).
    pub(crate) key: Path,
    /// `None` once the upload has ended.
    pub(crate) work: Arc<AsyncMutex<Option<Work>>>,
    touched: Mutex<Instant>,
    /// Cancelled when the upload ends, so its watchdog stops.
    ended: CancellationToken,
}

/// What an upload has received so far.
pub(crate) struct Work {
    pub(crate) sink: Sink,
    pub(crate) check: BodyCheck,
    /// The number the next part must carry.
    pub(crate) next: u64,
}

/// The work of an upload, held while one request uses it.
pub(crate) type Held = OwnedMutexGuard<Option<Work>>;

impl Open {
    /// A fresh upload of `owner` into `case`, its bytes going to `sink` (on `key`).
    pub(crate) fn new(owner: UserId, case: CaseId, key: Path, sink: Sink, limit: u64) -> Self {
        let work = Work {
            sink,
            check: BodyCheck::new(limit),
            next: 0,
        };
        Self {
            owner,
            case,
            key,
            work: Arc::new(AsyncMutex::new(Some(work))),
            touched: Mutex::new(Instant::now()),
            ended: CancellationToken::new(),
        }
    }

    /// Marks the upload as used now: its idle time starts again.
    pub(crate) fn touch(&self) {
        *self.touched.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    fn touched(&self) -> Instant {
        *self.touched.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl OpenUploads {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Open>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuses a new upload of `owner` when the limits are reached (checked again by
    /// [`OpenUploads::insert`], this spares the store an object upload begun in vain).
    pub(crate) fn room_for(&self, owner: UserId) -> ApiResult<()> {
        room_in(&self.map(), owner)
    }

    /// Adds `open` under a fresh id, within the limits.
    pub(crate) fn insert(&self, open: Arc<Open>) -> ApiResult<Uuid> {
        let mut map = self.map();
        room_in(&map, open.owner)?;
        let id = Uuid::new_v4();
        map.insert(id, open);
        Ok(id)
    }

    /// The upload `id` if `user` owns it; 404 for anyone else's, as for one that never was.
    pub(crate) fn get(&self, id: Uuid, user: UserId) -> ApiResult<Arc<Open>> {
        self.map()
            .get(&id)
            .filter(|open| open.owner == user)
            .cloned()
            .ok_or(ApiError::NotFound)
    }

    fn remove(&self, id: Uuid) {
        self.map().remove(&id);
    }
}

fn room_in(map: &HashMap<Uuid, Arc<Open>>, owner: UserId) -> ApiResult<()> {
    if map.len() >= MAX_OPEN {
        tracing::warn!(
            open = map.len(),
            "refused an upload: the server has too many open"
        );
        return Err(ApiError::Unavailable(
            "the server has too many uploads in progress; try again later",
        ));
    }
    if map.values().filter(|open| open.owner == owner).count() >= MAX_OPEN_PER_MEMBER {
        tracing::warn!("refused an upload: the member has too many open");
        return Err(ApiError::TooManyRequests(
            "too many uploads in progress; finish or cancel one first",
        ));
    }
    Ok(())
}

/// Ends the upload `id` whose work `held` is: it leaves the list, its watchdog stops, and the
/// work (if still there) is handed back for the caller to complete or abort.
pub(crate) fn end(state: &AppState, id: Uuid, open: &Open, held: &mut Held) -> Option<Work> {
    state.uploads.remove(id);
    open.ended.cancel();
    held.take()
}

/// [`end`], aborting the object upload: nothing of it is kept. The abort comes first, while
/// the upload is still listed and its work held (a request on it meanwhile is told another
/// request is using it), so that "no such upload" (404) is only ever said once nothing of it
/// is left in the object store.
pub(crate) async fn discard(state: &AppState, id: Uuid, open: &Open, held: &mut Held) {
    if let Some(work) = held.take() {
        let received = work.check.count();
        work.sink.abort().await;
        tracing::info!(upload.id = %id, received, "upload discarded");
    }
    end(state, id, open, held);
}

/// Starts the watchdog of upload `id`: it discards the upload once nothing has touched it for
/// `upload_idle_secs`, or when the server shuts down, and stops when the upload ends otherwise.
/// It runs among the uploads shutdown waits for, so its clean-up is not cut short.
pub(crate) fn watch(state: &AppState, id: Uuid, open: Arc<Open>) {
    let idle = Duration::from_secs(state.settings.upload_idle_secs);
    let stopping = state.stopping.aborted();
    let watching = state.clone();
    state.stopping.spawn_upload(async move {
        let state = watching;
        tokio::pin!(stopping);
        let why = loop {
            let due = open.touched() + idle;
            tokio::select! {
                () = open.ended.cancelled() => return,
                () = &mut stopping => break "the server is shutting down",
                () = tokio::time::sleep_until(due) => {
                    // A part being received holds the work; wait for it, then look again.
                    let mut held = Arc::clone(&open.work).lock_owned().await;
                    if open.touched() + idle <= Instant::now() {
                        tracing::warn!(upload.id = %id, idle_secs = idle.as_secs(), "upload idle");
                        discard(&state, id, &open, &mut held).await;
                        return;
                    }
                }
            }
        };
        tracing::warn!(upload.id = %id, why, "ending an open upload");
        let mut held = Arc::clone(&open.work).lock_owned().await;
        discard(&state, id, &open, &mut held).await;
    });
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use object_store::memory::InMemory;

    use super::*;

    async fn open_of(owner: UserId) -> Arc<Open> {
        let key = Path::from("documents/received/test");
        let sink = Sink::start(Arc::new(InMemory::new()), key.clone(), 1)
            .await
            .unwrap();
        Arc::new(Open::new(owner, CaseId::new(), key, sink, 1000))
    }

    #[tokio::test]
    async fn the_limits_hold_per_member_and_per_process() {
        let uploads = OpenUploads::default();
        let first = UserId::new();
        let mut ids = Vec::new();
        for _ in 0..MAX_OPEN_PER_MEMBER {
            ids.push(uploads.insert(open_of(first).await).unwrap());
        }
        let refused = uploads.insert(open_of(first).await).unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            refused.to_string(),
            "too many uploads in progress; finish or cancel one first"
        );
        for _ in MAX_OPEN_PER_MEMBER..MAX_OPEN {
            uploads.insert(open_of(UserId::new()).await).unwrap();
        }
        let refused = uploads.insert(open_of(UserId::new()).await).unwrap_err();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            refused.to_string(),
            "the server has too many uploads in progress; try again later"
        );
        // Only the owner finds an upload; a removed one is found by nobody and frees its place.
        assert!(uploads.get(ids[0], first).is_ok());
        assert!(matches!(
            uploads.get(ids[0], UserId::new()),
            Err(ApiError::NotFound)
        ));
        uploads.remove(ids[0]);
        assert!(matches!(
            uploads.get(ids[0], first),
            Err(ApiError::NotFound)
        ));
        uploads.insert(open_of(first).await).unwrap();
    }
}
