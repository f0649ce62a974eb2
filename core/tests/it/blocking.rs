//! Slow work inside a handshake (an app's observer here; SecTrust or Android's trust manager on those
//! platforms) never stalls the runtime: other requests complete, call timeouts fire on time, and a panic
//! inside a request is an internal error, not a cancellation.

use crate::common::*;
use pinwire::trust::{ChainValidator, PresentedChain, UntrustedReason, ValidatedChain};
use pinwire::{Error, PinEvent, Request, TimeoutKind, TrustSource};
use pinwire_testserver::TestServer;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the observer sleeps on the slow host's handshakes.
const SLEEP: Duration = Duration::from_secs(5);
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// How late a 1 s timeout may fire on a busy 2-core machine and still be "on time" (far below `SLEEP`).
const LATE: Duration = Duration::from_millis(2500);

// Two workers, as the bindings' runtime: today's failure mode is two slow handshakes taking both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_sleeping_in_handshakes_stalls_neither_other_hosts_nor_call_timeouts() {
    let pki = Pki::new("Blocking");
    let slow_server = TestServer::https("slow", &pki.leaf).await;
    let fast_server = TestServer::https("fast", &pki.leaf).await;
    // The observer sleeps whenever the handshake is with the slow server.
    let slow_port = slow_server.port();
    let sleeping = Arc::new(AtomicUsize::new(0));
    let in_observer = sleeping.clone();
    let observer = Arc::new(move |event: &PinEvent| {
        if event.port == Some(slow_port) {
            in_observer.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(SLEEP);
        }
    });
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.root_pin()]))
        .observer(observer)
        .http_versions(pinwire::HttpVersions::Http1Only)
        .build()
        .unwrap();

    // Three handshakes with the slow host, each call with a 1 s call timeout.
    let started = Instant::now();
    let slow: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            let request = Request::get(&url(&slow_server, HOST, "/"))
                .unwrap()
                .call_timeout(CALL_TIMEOUT);
            tokio::spawn(async move { (client.execute(request).await, started.elapsed()) })
        })
        .collect();
    // Wait (off the runtime: this is the test's own thread) until two slow handshakes are in the
    // observer, as many as the runtime has workers.
    let waiting = Instant::now();
    while sleeping.load(Ordering::SeqCst) < 2 && waiting.elapsed() < LATE {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(sleeping.load(Ordering::SeqCst) >= 2, "two slow handshakes started");

    // Meanwhile, on the runtime's workers as in the bindings, requests to another host complete...
    let other = client.clone();
    let fast_url = url(&fast_server, HOST, "/");
    let stall_url = url(&fast_server, HOST, "/stall");
    let (fast, timed_out, elapsed) = tokio::spawn(async move {
        let fast_started = Instant::now();
        for _ in 0..5 {
            let response = other.get(&fast_url).await.expect("the fast host answers");
            assert_eq!(response.status(), 200);
        }
        let fast = fast_started.elapsed();
        // ...and a call timeout on another host fires on time.
        let request = Request::get(&stall_url).unwrap().call_timeout(CALL_TIMEOUT);
        let timed = Instant::now();
        let error = other.execute(request).await.unwrap_err();
        (fast, error, timed.elapsed())
    })
    .await
    .unwrap();
    assert!(
        fast < LATE,
        "requests to another host took {fast:?} while the listener slept"
    );
    assert!(
        matches!(
            timed_out,
            Error::Timeout {
                kind: TimeoutKind::Call,
                ..
            }
        ),
        "{timed_out:?}"
    );
    assert!(elapsed < LATE, "the 1 s call timeout fired after {elapsed:?}");

    // The slow host's own calls end with their call timeout too, not when the listener returns.
    for task in slow {
        let (result, elapsed) = task.await.unwrap();
        assert!(
            matches!(
                result,
                Err(Error::Timeout {
                    kind: TimeoutKind::Call,
                    ..
                })
            ),
            "{result:?}"
        );
        assert!(elapsed < LATE, "a slow host's 1 s call timeout fired after {elapsed:?}");
    }
}

/// A validator with a bug: it panics.
#[derive(Debug)]
struct PanickingValidator;

impl ChainValidator for PanickingValidator {
    fn validate(
        &self,
        _presented: &PresentedChain<'_>,
        _prefer: &dyn Fn(&ValidatedChain) -> bool,
    ) -> Result<ValidatedChain, UntrustedReason> {
        panic!("validator bug 42")
    }
}

#[tokio::test]
async fn a_panic_inside_a_request_is_an_internal_error_with_its_message() {
    let pki = Pki::new("Panic");
    let server = TestServer::https("panic", &pki.leaf).await;
    let client = builder(&[])
        .trust(TrustSource::Custom(Arc::new(PanickingValidator)))
        .build()
        .unwrap();
    let error = client.get(&url(&server, HOST, "/")).await.unwrap_err();
    match &error {
        Error::Internal { detail } => assert!(detail.contains("validator bug 42"), "{detail}"),
        other => panic!("expected an internal error, got {other:?}"),
    }
    assert!(!matches!(error, Error::Cancelled));
}
