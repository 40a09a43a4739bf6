//! Uploading while sealing: the ciphertext goes to the server as age writes it.
//!
//! The signed `document-sealed` statement names the ciphertext's size and SHA-256, known only
//! once sealing has finished, so the upload sends the `body` part first and the `manifest` part
//! after it. A blocking sealing task writes the ciphertext through a [`ChunkSender`] into a
//! channel of a few chunks, which the streamed request body drains: memory stays bounded and
//! the sealing waits whenever the network does. If sealing fails, the body stream ends in an
//! error, the request is abandoned mid-body, and the server deletes what it received.

use std::io::{self, Write};
use std::path::PathBuf;

use bytes::Bytes;
use futures::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use vault_core::keys::PublicKey;
use vault_core::seal::SealedBody;

use crate::documents::Progress;
use crate::error::Result;
use crate::files;

/// Ciphertext bytes per chunk handed to the request body. Each chunk costs a trip through
/// hyper, the server's multipart parser and its checks, so chunks are large.
pub(crate) const CHUNK: usize = 256 * 1024;
/// Chunks waiting between the sealing task and the request body.
const CHUNKS_QUEUED: usize = 4;

/// What the sealing task ended with.
pub(crate) struct SealingOutcome {
    /// The sealed body's sizes and digests, or why sealing failed.
    pub(crate) sealed: Result<SealedBody>,
    /// Whether sealing stopped because the request had gone, not for a reason of its own.
    pub(crate) upload_stopped: bool,
}

/// Starts sealing `source` to `document_key` on the blocking pool; returns the task and the
/// stream of its ciphertext, for the request body. A failure of its own ends the stream in an
/// error.
pub(crate) fn start_sealing<P: Progress>(
    source: PathBuf,
    document_key: PublicKey,
    mut progress: P,
) -> (
    JoinHandle<SealingOutcome>,
    impl Stream<Item = BodyItem> + Send + 'static,
) {
    let (mut sender, body) = body_channel();
    let task = tokio::task::spawn_blocking(move || {
        let sealed = files::seal_into(&source, &document_key, &mut sender, |n| progress.update(n));
        progress.finish();
        let upload_stopped = sender.upload_stopped();
        if sealed.is_err() && !upload_stopped {
            sender.abandon();
        }
        SealingOutcome {
            sealed,
            upload_stopped,
        }
    });
    (task, body)
}

/// A chunk of the body, or the reason the body stops short.
pub(crate) type BodyItem = io::Result<Bytes>;

/// The sealing side of the channel: a [`Write`] for the blocking sealing task.
pub(crate) struct ChunkSender {
    tx: mpsc::Sender<BodyItem>,
    filling: Vec<u8>,
    /// Set once the request is gone (the server answered early, or the connection failed).
    stopped: bool,
}

/// A channel from a sealing task to a request body.
fn body_channel() -> (ChunkSender, impl Stream<Item = BodyItem> + Send + 'static) {
    let (tx, rx) = mpsc::channel(CHUNKS_QUEUED);
    let sender = ChunkSender {
        tx,
        filling: Vec::with_capacity(CHUNK),
        stopped: false,
    };
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (sender, stream)
}

impl ChunkSender {
    fn send(&mut self, item: BodyItem) -> io::Result<()> {
        if self.tx.blocking_send(item).is_err() {
            self.stopped = true;
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the upload stopped",
            ));
        }
        Ok(())
    }

    /// Whether sealing stopped because the request had gone, not for a reason of its own.
    pub(crate) fn upload_stopped(&self) -> bool {
        self.stopped
    }

    /// Ends the body in an error, so the request is abandoned and the server keeps nothing.
    pub(crate) fn abandon(mut self) {
        let _ = self.send(Err(io::Error::other("sealing failed")));
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.filling.len());
        self.filling.extend_from_slice(&data[..n]);
        if self.filling.len() == CHUNK {
            self.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.filling.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.filling, Vec::with_capacity(CHUNK));
        self.send(Ok(Bytes::from(chunk)))
    }
}

/// A stream of one item: the manifest, once sealing has finished and it is signed. If the
/// sender is dropped instead, the stream fails and the request is abandoned.
pub(crate) fn manifest_stream(
    rx: oneshot::Receiver<Vec<u8>>,
) -> impl Stream<Item = BodyItem> + Send + 'static {
    futures::stream::once(async move {
        rx.await
            .map(Bytes::from)
            .map_err(|_| io::Error::other("no manifest: sealing did not finish"))
    })
}

#[cfg(test)]
mod tests {
    use futures::StreamExt as _;

    use super::*;

    #[tokio::test]
    async fn chunks_arrive_whole_and_in_order() {
        let (mut sender, stream) = body_channel();
        let data: Vec<u8> = (0..CHUNK * 3 + 1000).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let writer = tokio::task::spawn_blocking(move || {
            for piece in data.chunks(70_000) {
                sender.write_all(piece).unwrap();
            }
            sender.flush().unwrap();
        });
        let chunks: Vec<Bytes> = stream.map(|item| item.unwrap()).collect().await;
        writer.await.unwrap();
        let sizes: Vec<usize> = chunks.iter().map(Bytes::len).collect();
        assert_eq!(sizes, [CHUNK, CHUNK, CHUNK, 1000]);
        assert_eq!(chunks.concat(), expected);
    }

    #[tokio::test]
    async fn a_dropped_request_stops_the_sealing_side() {
        let (mut sender, stream) = body_channel();
        drop(stream);
        let stopped = tokio::task::spawn_blocking(move || {
            let err = sender.write_all(&vec![0; CHUNK]).unwrap_err();
            (err.kind(), sender.upload_stopped())
        })
        .await
        .unwrap();
        assert_eq!(stopped, (io::ErrorKind::BrokenPipe, true));
    }

    #[tokio::test]
    async fn an_abandoned_body_ends_in_an_error() {
        let (mut sender, stream) = body_channel();
        let items = tokio::spawn(stream.collect::<Vec<_>>());
        tokio::task::spawn_blocking(move || {
            sender.write_all(b"age-encryption.org/v1\n").unwrap();
            sender.flush().unwrap();
            sender.abandon();
        })
        .await
        .unwrap();
        let items = items.await.unwrap();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert!(items[1].is_err());
    }
}
