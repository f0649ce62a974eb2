//! Pins matched against the validated path: which certificates count, rotation, mismatch details,
//! impostors, chain injection, patterns, expiration and report-only.

use crate::common::*;
use pinwire::{DomainRule, Error, PinMode, PinOutcome, PinSet, Policy};
use pinwire_testserver::{Authority, LeafSpec, TestServer};
use std::sync::Arc;

#[tokio::test]
async fn leaf_intermediate_and_root_pins_each_succeed() {
    let pki = Pki::new("Good");
    let server = TestServer::https("good", &pki.leaf).await;
    for pin in [pki.leaf_pin(), pki.intermediate_pin(), pki.root_pin()] {
        let client = new_client(&[pki.root.cert()], pinned(HOST, &[pin]));
        let response = client
            .get(&url(&server, HOST, "/"))
            .await
            .expect("pinned request succeeds");
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "hello from good");
    }
}

#[tokio::test]
async fn root_pin_matches_the_anchor_which_the_server_never_sends() {
    // The server sends leaf + intermediate only. A root pin can only match if the validated path's anchor
    // is included, with its SPKI re-wrapped as a full SubjectPublicKeyInfo.
    let pki = Pki::new("Anchor");
    assert_eq!(pki.leaf.chain.len(), 2, "server does not send the root");
    let server = TestServer::https("anchor", &pki.leaf).await;
    let recorder = Recorder::new();
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.root_pin()]))
        .observer(recorder.clone())
        .build()
        .unwrap();
    client.get(&url(&server, HOST, "/")).await.expect("root pin matches");
    let events = recorder.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, PinOutcome::Matched { pin: pki.root_pin() });
    let chain: Vec<_> = events[0].chain.pins().copied().collect();
    assert_eq!(chain, vec![pki.leaf_pin(), pki.intermediate_pin(), pki.root_pin()]);
    assert_eq!(events[0].port, Some(server.port()));
}

#[tokio::test]
async fn backup_pin_takes_over_after_a_key_rotation() {
    let pki = Pki::new("Rotating");
    let old_key_pin = pki.leaf_pin();
    let new_key = rcgen::KeyPair::generate().unwrap();
    let new_pin = pinwire::Pin::from_public_key(new_key.public_key_pem().as_bytes()).unwrap();
    let policy = Policy::builder().pin(HOST, [old_key_pin, new_pin]).build().unwrap();
    let client = new_client(&[pki.root.cert()], policy);

    let before = TestServer::https("before", &pki.leaf).await;
    client
        .get(&url(&before, HOST, "/"))
        .await
        .expect("current key accepted");

    let rotated = pki.intermediate.issue(&LeafSpec::new([HOST]), new_key);
    let after = TestServer::https("after", &rotated).await;
    let text = client
        .get(&url(&after, HOST, "/"))
        .await
        .expect("backup key accepted")
        .text()
        .await
        .unwrap();
    assert_eq!(text, "hello from after");
}

#[tokio::test]
async fn mismatch_is_a_typed_error_with_host_port_expected_and_chain_pins() {
    let pki = Pki::new("Mismatch");
    let server = TestServer::https("mismatch", &pki.leaf).await;
    let expected = [unrelated_pin(1), unrelated_pin(2)];
    let policy = Policy::builder().pin(HOST, expected).build().unwrap();
    let client = new_client(&[pki.root.cert()], policy);
    let error = client.get(&url(&server, HOST, "/")).await.expect_err("no pin matches");
    let Error::PinMismatch(mismatch) = error else {
        panic!("expected a pin mismatch, got {error:?}")
    };
    assert_eq!(mismatch.host, HOST);
    assert_eq!(mismatch.port, Some(server.port()));
    assert_eq!(mismatch.pattern, HOST);
    assert_eq!(mismatch.expected, expected.to_vec());
    assert_eq!(
        mismatch.chain_pins(),
        vec![pki.leaf_pin(), pki.intermediate_pin(), pki.root_pin()]
    );
    let message = mismatch.to_string();
    assert!(message.starts_with("Certificate pinning failure!"), "{message}");
    assert!(message.contains(&format!("{}: ", pki.leaf_pin())), "{message}");
    assert!(message.contains("CN=Mismatch Root"), "{message}");
    assert!(message.contains(&expected[0].to_string()), "{message}");
    assert_eq!(
        server.stats().requests.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no request was sent"
    );
}

#[tokio::test]
async fn impostor_from_another_trusted_ca_is_refused() {
    // The device trusts a second CA (a corporate or user-installed one); an interceptor holding it
    // presents a perfectly valid chain for the host. Only the pins stop it.
    let pki = Pki::new("Real");
    let evil = Authority::root("Evil Root");
    let impostor = evil.leaf([HOST]);
    let server = TestServer::https("impostor", &impostor).await;
    let client = new_client(&[pki.root.cert(), evil.cert()], pinned(HOST, &[pki.intermediate_pin()]));
    let error = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect_err("impostor refused");
    let Error::PinMismatch(mismatch) = error else {
        panic!("expected a pin mismatch, got {error:?}")
    };
    assert_eq!(
        mismatch.chain_pins(),
        vec![pin_of(impostor.leaf()), pin_of(evil.cert())]
    );

    // Without pins the same client accepts the impostor: the chain really is valid.
    let unpinned = client_unpinned(&[pki.root.cert(), evil.cert()]);
    unpinned
        .get(&url(&server, HOST, "/"))
        .await
        .expect("valid chain without pins");
}

fn client_unpinned(roots: &[&rustls_pki_types::CertificateDer<'static>]) -> pinwire::Client {
    new_client(roots, Policy::unpinned())
}

#[tokio::test]
async fn appended_certificate_with_the_pinned_key_does_not_satisfy_the_pins() {
    // CVE-2016-2402: a server (or interceptor) sends a valid chain from its own CA and appends the real
    // pinned certificate. The appended certificate is not on the validated path, so it must not count.
    let pki = Pki::new("Real");
    let evil = Authority::root("Evil Root");
    let injected = evil.leaf([HOST]).with_appended(pki.intermediate.cert().clone());
    let server = TestServer::https("injector", &injected).await;
    let client = new_client(&[pki.root.cert(), evil.cert()], pinned(HOST, &[pki.intermediate_pin()]));
    let error = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect_err("injection refused");
    assert!(matches!(error, Error::PinMismatch(_)), "{error:?}");

    // Appending the pinned root or the real leaf certificate does not help either.
    for extra in [pki.root.cert().clone(), pki.leaf.leaf().clone()] {
        let injected = evil.leaf([HOST]).with_appended(extra);
        let server = TestServer::https("injector", &injected).await;
        let pins = [pki.root_pin(), pki.leaf_pin()];
        let client = new_client(&[pki.root.cert(), evil.cert()], pinned(HOST, &pins));
        let error = client
            .get(&url(&server, HOST, "/"))
            .await
            .expect_err("injection refused");
        assert!(matches!(error, Error::PinMismatch(_)), "{error:?}");
    }
}

#[tokio::test]
async fn a_pin_never_rescues_a_chain_that_fails_validation() {
    let pki = Pki::new("Expired");
    let expired = pki
        .intermediate
        .issue(&LeafSpec::new([HOST]).expired(), rcgen::KeyPair::generate().unwrap());
    let server = TestServer::https("expired", &expired).await;
    let client = new_client(
        &[pki.root.cert()],
        pinned(HOST, &[pin_of(expired.leaf()), pki.root_pin()]),
    );
    let error = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect_err("expired is refused even when pinned");
    assert!(
        matches!(
            error,
            Error::UntrustedCertificate {
                reason: pinwire::UntrustedReason::Expired,
                ..
            }
        ),
        "{error:?}"
    );

    // An untrusted chain whose leaf key is pinned is still untrusted.
    let stranger = Authority::root("Stranger Root");
    let leaf = stranger.leaf([HOST]);
    let server = TestServer::https("stranger", &leaf).await;
    let client = new_client(
        &[pki.root.cert()],
        pinned(HOST, &[pin_of(leaf.leaf()), pin_of(stranger.cert())]),
    );
    let error = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect_err("unknown issuer even when pinned");
    assert!(
        matches!(
            error,
            Error::UntrustedCertificate {
                reason: pinwire::UntrustedReason::UnknownIssuer,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn wildcard_patterns_and_include_subdomains_apply_to_the_right_hosts() {
    let pki = Pki::new("Patterns");
    let leaf = pki.intermediate.leaf(["pinwire.test", HOST, "a.b.pinwire.test"]);
    let server = TestServer::https("patterns", &leaf).await;
    let wrong = [unrelated_pin(1), unrelated_pin(2)];
    let fails = |policy: Policy, host: &'static str| {
        let client = new_client(&[pki.root.cert()], policy);
        let url = url(&server, host, "/");
        async move { matches!(client.get(&url).await, Err(Error::PinMismatch(_))) }
    };
    // `*.` pins exactly one more label.
    let one_label = || Policy::builder().pin("*.pinwire.test", wrong).build().unwrap();
    assert!(fails(one_label(), HOST).await);
    assert!(!fails(one_label(), "pinwire.test").await);
    assert!(!fails(one_label(), "a.b.pinwire.test").await);
    // `**.` pins any depth including the name itself.
    let any_depth = || Policy::builder().pin("**.pinwire.test", wrong).build().unwrap();
    for host in ["pinwire.test", HOST, "a.b.pinwire.test"] {
        assert!(fails(any_depth(), host).await, "{host}");
    }
    // include_subdomains on an exact name.
    let with_subdomains = |include: bool| {
        Policy::builder()
            .rule(
                DomainRule::new("pinwire.test")
                    .unwrap()
                    .include_subdomains(include)
                    .pins(PinSet::new(wrong).unwrap()),
            )
            .build()
            .unwrap()
    };
    assert!(fails(with_subdomains(true), "a.b.pinwire.test").await);
    assert!(!fails(with_subdomains(false), "a.b.pinwire.test").await);
    assert!(fails(with_subdomains(false), "pinwire.test").await);
}

#[tokio::test]
async fn a_more_specific_rule_can_exempt_a_subdomain() {
    let pki = Pki::new("Exempt");
    let server = TestServer::https("exempt", &pki.leaf).await;
    let wrong = [unrelated_pin(1), unrelated_pin(2)];
    let policy = Policy::builder()
        .rule(
            DomainRule::new("pinwire.test")
                .unwrap()
                .include_subdomains(true)
                .pins(PinSet::new(wrong).unwrap()),
        )
        .rule(DomainRule::new(OTHER_HOST).unwrap().pins(PinSet::exempt()))
        .build()
        .unwrap();
    let client = new_client(&[pki.root.cert()], policy);
    assert!(matches!(
        client.get(&url(&server, HOST, "/")).await,
        Err(Error::PinMismatch(_))
    ));
    client
        .get(&url(&server, OTHER_HOST, "/"))
        .await
        .expect("exempted host gets ordinary validation");
}

#[tokio::test]
async fn an_expired_pin_set_is_not_enforced_and_says_so() {
    let pki = Pki::new("Expiring");
    let server = TestServer::https("expiring", &pki.leaf).await;
    let wrong = [unrelated_pin(1), unrelated_pin(2)];
    let yesterday = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let policy_expiring = |at| {
        Policy::builder()
            .rule(
                DomainRule::new(HOST)
                    .unwrap()
                    .pins(PinSet::new(wrong).unwrap().expires_at(at)),
            )
            .build()
    };

    let recorder = Recorder::new();
    let client = builder(&[pki.root.cert()])
        .policy(policy_expiring(yesterday).unwrap())
        .observer(recorder.clone())
        .build()
        .unwrap();
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("expired pins are not enforced");
    assert_eq!(recorder.events()[0].outcome, PinOutcome::Expired);

    let client = new_client(&[pki.root.cert()], policy_expiring(tomorrow).unwrap());
    assert!(matches!(
        client.get(&url(&server, HOST, "/")).await,
        Err(Error::PinMismatch(_))
    ));
}

#[tokio::test]
async fn report_only_lets_the_request_through_and_reports_the_mismatch() {
    let pki = Pki::new("ReportOnly");
    let server = TestServer::https("report-only", &pki.leaf).await;
    let wrong = [unrelated_pin(1), unrelated_pin(2)];
    let recorder = Recorder::new();
    let policy = Policy::builder()
        .rule(
            DomainRule::new(HOST)
                .unwrap()
                .pins(PinSet::new(wrong).unwrap().report_only()),
        )
        .build()
        .unwrap();
    let client = builder(&[pki.root.cert()])
        .policy(policy)
        .observer(recorder.clone())
        .build()
        .unwrap();
    let response = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("report-only does not block");
    assert_eq!(response.status(), 200);
    let events = recorder.events();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.outcome, PinOutcome::Mismatch);
    assert_eq!(event.mode, PinMode::ReportOnly);
    assert!(event.allowed());
    assert_eq!(event.host, HOST);
    assert_eq!(event.port, Some(server.port()));
    assert_eq!(event.expected, wrong.to_vec());
    assert_eq!(event.chain.certs().len(), 3);
}

#[tokio::test]
async fn observers_see_successes_and_enforced_failures() {
    let pki = Pki::new("Observed");
    let server = TestServer::https("observed", &pki.leaf).await;
    let recorder = Recorder::new();
    let policy = Policy::builder()
        .pin(HOST, [pki.leaf_pin(), unrelated_pin(9)])
        .pin(OTHER_HOST, [unrelated_pin(1), unrelated_pin(2)])
        .build()
        .unwrap();
    let client = builder(&[pki.root.cert()])
        .policy(policy)
        .observer(recorder.clone())
        .build()
        .unwrap();
    client.get(&url(&server, HOST, "/")).await.unwrap();
    client.get(&url(&server, OTHER_HOST, "/")).await.unwrap_err();
    // An unpinned host makes no pin decision and no event.
    let events = recorder.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].outcome, PinOutcome::Matched { pin: pki.leaf_pin() });
    assert!(events[0].allowed());
    assert_eq!(events[1].outcome, PinOutcome::Mismatch);
    assert!(!events[1].allowed());
}

#[tokio::test]
async fn a_pooled_connection_never_carries_a_request_for_another_host() {
    // One server and certificate for two names; only OTHER_HOST is pinned (wrongly). After a request to
    // HOST leaves a connection to 127.0.0.1:port in the pool, a request to OTHER_HOST must still get its
    // own handshake and pin decision.
    let pki = Pki::new("Pool");
    let server = TestServer::https("pool", &pki.leaf).await;
    let policy = Policy::builder()
        .pin(OTHER_HOST, [unrelated_pin(1), unrelated_pin(2)])
        .build()
        .unwrap();
    let client = new_client(&[pki.root.cert()], policy);
    client.get(&url(&server, HOST, "/")).await.unwrap();
    client.get(&url(&server, HOST, "/")).await.unwrap();
    assert_eq!(
        server.stats().handshakes.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "second request pooled"
    );
    let error = client
        .get(&url(&server, OTHER_HOST, "/"))
        .await
        .expect_err("other host is pinned");
    assert!(matches!(error, Error::PinMismatch(_)), "{error:?}");
}

#[tokio::test]
async fn closures_are_observers_and_a_panicking_observer_breaks_nothing() {
    // Closures are observers: the simplest way for an app to log.
    let pki = Pki::new("Closure");
    let server = TestServer::https("closure", &pki.leaf).await;
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let observer = move |_: &pinwire::PinEvent| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    };
    let panicking = |_: &pinwire::PinEvent| panic!("observer bug");
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .observer(Arc::new(panicking))
        .observer(Arc::new(observer))
        .build()
        .unwrap();
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("a panicking observer does not fail the request");
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "later observers still run"
    );
}

#[tokio::test]
async fn with_cross_signed_paths_any_validated_path_that_matches_the_pins_is_accepted() {
    // One intermediate key and name, certified by two roots; the server sends both certificates. Two
    // paths validate. The pins name only the second root, so the check must find the path through it
    // rather than judge the first path it happened to build.
    let root_a = Authority::root("Cross Root A");
    let root_b = Authority::root("Cross Root B");
    let key = rcgen::KeyPair::generate().unwrap();
    let key_copy =
        rcgen::KeyPair::try_from(&rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into())).unwrap();
    let via_a = root_a.intermediate_with_key("Cross Intermediate", key);
    let via_b = root_b.intermediate_with_key("Cross Intermediate", key_copy);
    let leaf = via_a.leaf([HOST]).with_appended(via_b.cert().clone());
    let server = TestServer::https("cross", &leaf).await;
    let recorder = Recorder::new();
    let client = builder(&[root_a.cert(), root_b.cert()])
        .policy(pinned(HOST, &[pin_of(root_b.cert())]))
        .observer(recorder.clone())
        .build()
        .unwrap();
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("the path through root B matches");
    let chain: Vec<_> = recorder.events()[0].chain.pins().copied().collect();
    assert_eq!(chain.last(), Some(&pin_of(root_b.cert())));
    assert_eq!(
        chain[1],
        pin_of(via_b.cert()),
        "the intermediate is the one certified by root B"
    );

    // Pinning root A works too, and a pin on neither root still fails.
    let client = new_client(&[root_a.cert(), root_b.cert()], pinned(HOST, &[pin_of(root_a.cert())]));
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("the path through root A matches");
    let client = new_client(&[root_a.cert(), root_b.cert()], pinned(HOST, &[unrelated_pin(5)]));
    assert!(matches!(
        client.get(&url(&server, HOST, "/")).await,
        Err(Error::PinMismatch(_))
    ));
}
