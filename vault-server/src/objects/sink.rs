//! Writing one object in parts, with bounded memory, aborted exactly once on any failure.
//!
//! `object_store`'s own `WriteMultipart` leaves the upload open when a part fails while it
//! finishes: on local disk dropping the upload removes its staging file, but on S3 the
//! multipart upload stays in progress, holding its parts, until someone aborts it. Here every
//! path that does not complete the object goes through one abort: a part that fails, a check
//! the caller makes on the bytes, a completion the store refuses, or a sink that is dropped.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStore, PutPayloadMut};
use tokio::task::JoinSet;

/// Part size: S3's smallest allowed for every part but the last.
pub const PART_BYTES: usize = 5 * 1024 * 1024;

/// An object being written. Memory held is at most the part being filled plus
/// `max_in_flight` parts on their way to the store.
pub struct Sink {
    store: Arc<dyn ObjectStore>,
    key: Path,
    /// `None` once completed or aborted, so the abort can happen only once.
    upload: Option<Box<dyn MultipartUpload>>,
    filling: PutPayloadMut,
    in_flight: JoinSet<object_store::Result<()>>,
    max_in_flight: usize,
    part_bytes: usize,
}

impl Sink {
    /// Starts a multipart upload of `key`.
    pub async fn start(
        store: Arc<dyn ObjectStore>,
        key: Path,
        max_in_flight: usize,
    ) -> object_store::Result<Self> {
        Self::with_part_size(store, key, max_in_flight, PART_BYTES).await
    }

    /// [`Sink::start`] with another part size (tests use small ones).
    pub async fn with_part_size(
        store: Arc<dyn ObjectStore>,
        key: Path,
        max_in_flight: usize,
        part_bytes: usize,
    ) -> object_store::Result<Self> {
        let upload = store.put_multipart(&key).await?;
        Ok(Self {
            store,
            key,
            upload: Some(upload),
            filling: PutPayloadMut::new(),
            in_flight: JoinSet::new(),
            max_in_flight: max_in_flight.max(1),
            part_bytes,
        })
    }

    /// Adds bytes, sending each full part and waiting while `max_in_flight` are on their way.
    /// After an error the caller must [`Sink::abort`].
    pub async fn write(&mut self, mut chunk: Bytes) -> object_store::Result<()> {
        while !chunk.is_empty() {
            let room = self.part_bytes - self.filling.content_length();
            if chunk.len() < room {
                self.filling.push(chunk);
                return Ok(());
            }
            self.filling.push(chunk.split_to(room));
            self.send_part().await?;
        }
        Ok(())
    }

    async fn send_part(&mut self) -> object_store::Result<()> {
        self.settle(self.max_in_flight - 1).await?;
        let part = std::mem::take(&mut self.filling).freeze();
        if let Some(upload) = self.upload.as_mut() {
            self.in_flight.spawn(upload.put_part(part));
        }
        Ok(())
    }

    /// Waits until at most `room` parts are in flight; the first part error is returned.
    async fn settle(&mut self, room: usize) -> object_store::Result<()> {
        while self.in_flight.len() > room {
            match self.in_flight.join_next().await {
                Some(Ok(result)) => result?,
                Some(Err(join)) => {
                    return Err(object_store::Error::Generic {
                        store: "sink",
                        source: Box::new(join),
                    })
                }
                None => break,
            }
        }
        Ok(())
    }

    /// Sends the last part and completes the object. On failure the upload is aborted (and
    /// any object a lost answer may have left is deleted) before the error is returned.
    pub async fn finish(mut self) -> object_store::Result<()> {
        let mut outcome = Ok(());
        if self.filling.content_length() > 0 {
            outcome = self.send_part().await;
        }
        if outcome.is_ok() {
            outcome = self.settle(0).await;
        }
        if outcome.is_ok() {
            if let Some(upload) = self.upload.as_mut() {
                outcome = upload.complete().await.map(|_| ());
            }
            if outcome.is_ok() {
                self.upload = None;
                return Ok(());
            }
            let _ = self.store.delete(&self.key).await;
        }
        self.abort().await;
        outcome
    }

    /// Stops the parts in flight and aborts the upload. Failure to abort is logged: the
    /// caller's own error is the one that matters to the client.
    pub async fn abort(mut self) {
        self.in_flight.shutdown().await;
        if let Some(mut upload) = self.upload.take() {
            if let Err(err) = upload.abort().await {
                tracing::error!(error = %err, "could not abort an object upload");
            }
        }
    }
}

impl Drop for Sink {
    /// A sink dropped half-way (its task cancelled or panicking) still aborts its upload.
    fn drop(&mut self) {
        let Some(mut upload) = self.upload.take() else {
            return;
        };
        self.in_flight.abort_all();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = upload.abort().await {
                    tracing::error!(error = %err, "could not abort a dropped object upload");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use futures::stream::BoxStream;
    use object_store::memory::InMemory;
    use object_store::{
        GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, PutMultipartOptions,
        PutOptions, PutPayload, PutResult, UploadPart,
    };

    use super::*;

    /// A store that counts aborts and fails the part, or the completion, it is told to.
    #[derive(Debug, Default)]
    struct Faulty {
        inner: InMemory,
        fail_part: Option<usize>,
        fail_complete: bool,
        aborts: Arc<AtomicUsize>,
    }

    #[derive(Debug)]
    struct FaultyUpload {
        inner: Box<dyn MultipartUpload>,
        parts: usize,
        fail_part: Option<usize>,
        fail_complete: bool,
        aborts: Arc<AtomicUsize>,
    }

    fn refused() -> object_store::Error {
        object_store::Error::Generic {
            store: "faulty",
            source: "refused on purpose".into(),
        }
    }

    #[async_trait]
    impl MultipartUpload for FaultyUpload {
        fn put_part(&mut self, data: PutPayload) -> UploadPart {
            self.parts += 1;
            if Some(self.parts) == self.fail_part {
                return Box::pin(async { Err(refused()) });
            }
            self.inner.put_part(data)
        }
        async fn complete(&mut self) -> object_store::Result<PutResult> {
            if self.fail_complete {
                return Err(refused());
            }
            self.inner.complete().await
        }
        async fn abort(&mut self) -> object_store::Result<()> {
            self.aborts.fetch_add(1, Ordering::SeqCst);
            self.inner.abort().await
        }
    }

    impl std::fmt::Display for Faulty {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Faulty")
        }
    }

    #[async_trait]
    impl ObjectStore for Faulty {
        async fn put_opts(
            &self,
            location: &Path,
            payload: PutPayload,
            opts: PutOptions,
        ) -> object_store::Result<PutResult> {
            self.inner.put_opts(location, payload, opts).await
        }
        async fn put_multipart_opts(
            &self,
            location: &Path,
            opts: PutMultipartOptions,
        ) -> object_store::Result<Box<dyn MultipartUpload>> {
            Ok(Box::new(FaultyUpload {
                inner: self.inner.put_multipart_opts(location, opts).await?,
                parts: 0,
                fail_part: self.fail_part,
                fail_complete: self.fail_complete,
                aborts: Arc::clone(&self.aborts),
            }))
        }
        async fn get_opts(
            &self,
            location: &Path,
            options: GetOptions,
        ) -> object_store::Result<GetResult> {
            self.inner.get_opts(location, options).await
        }
        async fn delete(&self, location: &Path) -> object_store::Result<()> {
            self.inner.delete(location).await
        }
        fn list(
            &self,
            prefix: Option<&Path>,
        ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
            self.inner.list(prefix)
        }
        async fn list_with_delimiter(
            &self,
            prefix: Option<&Path>,
        ) -> object_store::Result<ListResult> {
            self.inner.list_with_delimiter(prefix).await
        }
        async fn copy(&self, from: &Path, to: &Path) -> object_store::Result<()> {
            self.inner.copy(from, to).await
        }
        async fn copy_if_not_exists(&self, from: &Path, to: &Path) -> object_store::Result<()> {
            self.inner.copy_if_not_exists(from, to).await
        }
    }

    /// Writes 10 parts' worth in odd-sized chunks; returns the outcome and the abort count.
    async fn write_ten_parts(store: Faulty) -> (object_store::Result<()>, usize, bool) {
        let aborts = Arc::clone(&store.aborts);
        let store = Arc::new(store);
        let key = Path::from("documents/d/k");
        let mut sink = Sink::with_part_size(store.clone(), key.clone(), 2, 1000)
            .await
            .unwrap();
        let mut outcome = Ok(());
        for i in 0..25u8 {
            if let Err(err) = sink.write(Bytes::from(vec![i; 400])).await {
                outcome = Err(err);
                break;
            }
        }
        match outcome {
            Ok(()) => outcome = sink.finish().await,
            Err(_) => sink.abort().await,
        }
        let exists = store.head(&key).await.is_ok();
        (outcome, aborts.load(Ordering::SeqCst), exists)
    }

    #[tokio::test]
    async fn a_clean_write_completes_without_abort() {
        let (outcome, aborts, exists) = write_ten_parts(Faulty::default()).await;
        assert!(outcome.is_ok());
        assert_eq!(aborts, 0);
        assert!(exists);
    }

    #[tokio::test]
    async fn a_failed_part_aborts_once() {
        for part in [1, 5, 10] {
            let store = Faulty {
                fail_part: Some(part),
                ..Faulty::default()
            };
            let (outcome, aborts, exists) = write_ten_parts(store).await;
            let err = outcome.expect_err("a failed part fails the write");
            assert!(err.to_string().contains("refused on purpose"), "{err}");
            assert_eq!(aborts, 1, "part {part}");
            assert!(!exists);
        }
    }

    #[tokio::test]
    async fn a_refused_completion_aborts_once() {
        let store = Faulty {
            fail_complete: true,
            ..Faulty::default()
        };
        let (outcome, aborts, exists) = write_ten_parts(store).await;
        assert!(outcome.is_err());
        assert_eq!(aborts, 1);
        assert!(!exists);
    }

    #[tokio::test]
    async fn a_dropped_sink_aborts_once() {
        let store = Faulty::default();
        let aborts = Arc::clone(&store.aborts);
        let mut sink = Sink::with_part_size(Arc::new(store), Path::from("k"), 2, 1000)
            .await
            .unwrap();
        sink.write(Bytes::from(vec![1; 2500])).await.unwrap();
        drop(sink);
        for _ in 0..100 {
            if aborts.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(aborts.load(Ordering::SeqCst), 1);
    }
}
