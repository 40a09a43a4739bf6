//! A request body stream that lets its reader catch its breath.
//!
//! The multipart parser pulls from the body until the body says "not ready". Over a fast link
//! (loopback, a LAN) a client can keep the body ready for a long time, so the parser would buffer
//! far more than the object store has taken, and memory would grow with the upload. After each
//! [`BUDGET`] bytes this stream says "not ready" once (and asks to be polled again at once), so
//! the parser hands what it has to the handler, and the handler's back-pressure (waiting for the
//! object store) reaches the socket.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;

/// Bytes handed over between two pauses.
const BUDGET: usize = 512 * 1024;

/// See the module docs.
pub struct Paced<S> {
    inner: S,
    since_pause: usize,
}

impl<S> Paced<S> {
    /// Wraps a body stream.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            since_pause: 0,
        }
    }
}

impl<S, E> Stream for Paced<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.since_pause >= BUDGET {
            self.since_pause = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            self.since_pause += chunk.len();
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt as _;

    use super::*;

    #[tokio::test]
    async fn pauses_after_each_budget_and_loses_nothing() {
        let chunks: Vec<Result<Bytes, ()>> = (0..10)
            .map(|i| Ok(Bytes::from(vec![i; 200 * 1024])))
            .collect();
        let mut paced = Paced::new(futures::stream::iter(chunks));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut ready_in_a_row = 0;
        let mut most_in_a_row = 0;
        let mut seen = Vec::new();
        loop {
            match Pin::new(&mut paced).poll_next(&mut cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    ready_in_a_row += 1;
                    most_in_a_row = most_in_a_row.max(ready_in_a_row);
                    seen.push(chunk[0]);
                }
                Poll::Ready(_) => break,
                Poll::Pending => ready_in_a_row = 0,
            }
        }
        assert_eq!(seen, (0..10).collect::<Vec<u8>>());
        // 200 KiB chunks against a 512 KiB budget: at most three in a row.
        assert_eq!(most_in_a_row, 3);
        assert!(paced.next().await.is_none());
    }
}
