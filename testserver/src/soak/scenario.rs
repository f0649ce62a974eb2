//! The calls the soak makes, and what each must end with.

use pinwire::{CancellationToken, Client, Error, Request, TimeoutKind};
use pinwire_testserver::Fault;
use std::time::Duration;

/// Host names (all resolved to 127.0.0.1): one pinned to the test root, one unpinned, one pinned to
/// keys the server does not have.
pub const PINNED: &str = "api.pinwire.test";
pub const UNPINNED: &str = "other.pinwire.test";
pub const MISPINNED: &str = "cdn.pinwire.test";

pub const LARGE: usize = 1024 * 1024;
const SMALL: usize = 1000;

/// One kind of call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    SmallPinnedH2,
    SmallUnpinnedH2,
    SmallPinnedH1,
    LargePinnedH2,
    LargeUnpinnedH1,
    /// A large body read for a few chunks, then dropped.
    PartialRead,
    /// Cancelled through a token at a random point before the headers (or not at all, if they win).
    CancelToken,
    /// The whole call's future dropped at a random point (headers or body).
    DropFuture,
    PinMismatch,
    Refused,
    StallHeaders,
    StallBody,
    RedirectLoop,
    Fault(Fault),
}

impl Kind {
    /// The mix: weights out of their sum. About a third of the calls are cancelled or abandoned.
    pub fn weighted() -> Vec<(Kind, u32)> {
        let mut mix = vec![
            (Kind::SmallPinnedH2, 14),
            (Kind::SmallUnpinnedH2, 8),
            (Kind::SmallPinnedH1, 8),
            (Kind::LargePinnedH2, 5),
            (Kind::LargeUnpinnedH1, 5),
            (Kind::PartialRead, 11),
            (Kind::CancelToken, 11),
            (Kind::DropFuture, 11),
            (Kind::PinMismatch, 2),
            (Kind::Refused, 1),
            (Kind::StallHeaders, 1),
            (Kind::StallBody, 1),
            (Kind::RedirectLoop, 1),
        ];
        mix.extend(Fault::ALL.iter().map(|f| (Kind::Fault(*f), 1)));
        mix
    }

    pub fn name(self) -> String {
        match self {
            Kind::Fault(fault) => format!("fault:{}", fault.name()),
            other => format!("{other:?}"),
        }
    }
}

/// The ports of the servers.
#[derive(Clone, Debug)]
pub struct Ports {
    pub h2: u16,
    pub h1: u16,
    pub refused: u16,
    pub faults: Vec<(Fault, u16)>,
}

/// How a call ended, judged against what its kind must end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The body arrived whole (or, for a partial read, the chunks asked for).
    Ok,
    /// The typed error this kind must end with (including `Cancelled` for cancelled calls).
    ExpectedError,
    /// Cancelled by dropping the future before it ended.
    Abandoned,
    /// Anything else: a wrong error, a wrong body length, success where failure was due.
    Unexpected,
    /// A typed `Protocol` error because the client's HTTP/2 connection closed itself: h2 allows a
    /// connection at most 1024 resets it sends on its own (frames arriving for streams the app already
    /// cancelled count, once too many cancellations are pending) and then ends it with GOAWAY
    /// ENHANCE_YOUR_CALM. Counted apart from `Unexpected`: a known limitation under heavy cancellation,
    /// not a hang or a leak (reqwest does not expose h2's limit).
    H2ResetLimit,
}

/// The debug data h2 sends with the GOAWAY of its local reset limit.
const H2_RESET_LIMIT: &str = "too_many_internal_resets";

fn url(host: &str, port: u16, path: &str) -> String {
    format!("https://{host}:{port}{path}")
}

async fn fetch_len(client: &Client, url: &str) -> Result<usize, Error> {
    let mut response = client.get(url).await?;
    let mut total = 0;
    while let Some(chunk) = response.chunk().await? {
        total += chunk.len();
    }
    Ok(total)
}

fn body(result: Result<usize, Error>, expected: usize) -> (Verdict, Option<String>) {
    match result {
        Ok(n) if n == expected => (Verdict::Ok, None),
        Ok(n) => (
            Verdict::Unexpected,
            Some(format!("body of {n} bytes, expected {expected}")),
        ),
        Err(e) => (Verdict::Unexpected, Some(e.to_string())),
    }
}

fn error(result: Result<usize, Error>, want: impl Fn(&Error) -> bool) -> (Verdict, Option<String>) {
    match result {
        Err(e) if want(&e) => (Verdict::ExpectedError, None),
        Err(e) => (Verdict::Unexpected, Some(format!("wrong error: {e:?}"))),
        Ok(n) => (
            Verdict::Unexpected,
            Some(format!("succeeded ({n} bytes) where it must fail")),
        ),
    }
}

/// Makes one call of `kind`; `random` drives the random points (cancellation delays, chunks read).
pub async fn call(client: &Client, ports: &Ports, kind: Kind, random: u64) -> (Verdict, Option<String>) {
    match judge(client, ports, kind, random).await {
        (Verdict::Unexpected, Some(problem)) if problem.contains(H2_RESET_LIMIT) => (Verdict::H2ResetLimit, None),
        other => other,
    }
}

async fn judge(client: &Client, ports: &Ports, kind: Kind, random: u64) -> (Verdict, Option<String>) {
    let protocol = |e: &Error| matches!(e, Error::Protocol { .. });
    match kind {
        Kind::SmallPinnedH2 => body(fetch_len(client, &url(PINNED, ports.h2, "/bytes/1000")).await, SMALL),
        Kind::SmallUnpinnedH2 => body(fetch_len(client, &url(UNPINNED, ports.h2, "/bytes/1000")).await, SMALL),
        Kind::SmallPinnedH1 => body(fetch_len(client, &url(PINNED, ports.h1, "/bytes/1000")).await, SMALL),
        Kind::LargePinnedH2 => body(
            fetch_len(client, &url(PINNED, ports.h2, &format!("/bytes/{LARGE}"))).await,
            LARGE,
        ),
        Kind::LargeUnpinnedH1 => body(
            fetch_len(client, &url(UNPINNED, ports.h1, &format!("/bytes/{LARGE}"))).await,
            LARGE,
        ),
        Kind::PartialRead => {
            let port = if random & 1 == 0 { ports.h2 } else { ports.h1 };
            let chunks = 1 + (random >> 1) % 4;
            let result = async {
                let mut response = client.get(&url(PINNED, port, "/bytes/4194304")).await?;
                for _ in 0..chunks {
                    response.chunk().await?;
                }
                Ok::<_, Error>(())
            }
            .await;
            match result {
                Ok(()) => (Verdict::Ok, None),
                Err(e) => (Verdict::Unexpected, Some(e.to_string())),
            }
        }
        Kind::CancelToken => {
            let token = CancellationToken::new();
            let delay = Duration::from_micros(random % 20_000);
            let canceller = {
                let token = token.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    token.cancel();
                })
            };
            let port = if random & 1 == 0 { ports.h2 } else { ports.h1 };
            let request = Request::get(&url(PINNED, port, &format!("/bytes/{LARGE}"))).expect("valid URL");
            let result = match client.execute_cancellable(request, &token).await {
                Ok(mut response) => {
                    let mut total = 0;
                    loop {
                        match response.chunk().await {
                            Ok(Some(chunk)) => total += chunk.len(),
                            Ok(None) => break Ok(total),
                            Err(e) => break Err(e),
                        }
                    }
                }
                Err(e) => Err(e),
            };
            canceller.abort();
            match result {
                Err(Error::Cancelled) => (Verdict::ExpectedError, None),
                other => body(other, LARGE),
            }
        }
        Kind::DropFuture => {
            let port = if random & 1 == 0 { ports.h2 } else { ports.h1 };
            let delay = Duration::from_micros(random % 50_000);
            let target = url(UNPINNED, port, &format!("/bytes/{LARGE}"));
            match tokio::time::timeout(delay, fetch_len(client, &target)).await {
                Err(_) => (Verdict::Abandoned, None),
                Ok(result) => body(result, LARGE),
            }
        }
        Kind::PinMismatch => error(fetch_len(client, &url(MISPINNED, ports.h2, "/")).await, |e| {
            matches!(e, Error::PinMismatch(_))
        }),
        Kind::Refused => error(fetch_len(client, &url(PINNED, ports.refused, "/")).await, |e| {
            matches!(e, Error::Connect { .. })
        }),
        Kind::StallHeaders => error(fetch_len(client, &url(PINNED, ports.h2, "/stall")).await, |e| {
            matches!(
                e,
                Error::Timeout {
                    kind: TimeoutKind::Read,
                    ..
                }
            )
        }),
        Kind::StallBody => error(fetch_len(client, &url(PINNED, ports.h1, "/slow-body")).await, |e| {
            matches!(
                e,
                Error::Timeout {
                    kind: TimeoutKind::Read,
                    ..
                }
            )
        }),
        Kind::RedirectLoop => error(fetch_len(client, &url(PINNED, ports.h2, "/loop")).await, |e| {
            matches!(e, Error::TooManyRedirects { .. })
        }),
        Kind::Fault(fault) => {
            let port = ports
                .faults
                .iter()
                .find(|(f, _)| *f == fault)
                .map(|(_, p)| *p)
                .expect("a server for every fault");
            error(fetch_len(client, &url(PINNED, port, "/")).await, protocol)
        }
    }
}
