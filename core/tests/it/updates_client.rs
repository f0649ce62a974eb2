//! Signed pin updates in a running client over real TLS: rotation without a restart, connection pools
//! per configuration, requests in flight, the store across restarts, and fetching from the update URL.

use crate::common::*;
use crate::updates::{signed, update_client, UpdateRecorder};
use pinwire::update::{KeyAlgorithm, SigningKey, UpdateError, UpdateEvent, UpdateOptions, UpdateOrigin, UpdateOutcome};
use pinwire::Error;
use pinwire_testserver::{Identity, LeafSpec, TestServer};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A client with the shipped pins on `pki`'s leaf key, taking updates signed by `key`, and its pin events.
fn observed_client(pki: &Pki, key: &SigningKey) -> (pinwire::Client, Arc<Recorder>) {
    let recorder = Recorder::new();
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .observer(recorder.clone())
        .updates(UpdateOptions::new(vec![key.verification_key()]))
        .build()
        .unwrap();
    (client, recorder)
}

async fn two_requests(client: &pinwire::Client, server: &TestServer) {
    for _ in 0..2 {
        client.get(&url(server, HOST, "/")).await.unwrap().text().await.unwrap();
    }
}

/// A leaf for the test names with a new key, from the same intermediate: the server's key rotated.
fn rotated_leaf(pki: &Pki) -> Identity {
    pki.intermediate
        .issue(&LeafSpec::new([HOST, OTHER_HOST]), rcgen::KeyPair::generate().unwrap())
}

#[tokio::test]
async fn an_update_moves_the_pins_to_a_rotated_key_without_a_restart() {
    let pki = Pki::new("Rotation");
    let rotated = rotated_leaf(&pki);
    let rotated_server = TestServer::https("rotated", &rotated).await;
    // The old key in an attacker's hands, with a certificate the trusted CA issued for it.
    let impostor = TestServer::https("impostor", &pki.leaf).await;
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let (client, recorder) = observed_client(&pki, &key);

    let before = client.get(&url(&rotated_server, HOST, "/")).await;
    assert!(matches!(before, Err(Error::PinMismatch(_))), "{before:?}");
    client
        .get(&url(&impostor, HOST, "/"))
        .await
        .expect("the old key is still pinned");

    let update = signed(1, &[pin_of(rotated.leaf())], &key);
    assert_eq!(
        client.apply_update(update.as_bytes()).unwrap(),
        UpdateOutcome::Applied {
            version: 1,
            previous: 0
        }
    );
    let response = client
        .get(&url(&rotated_server, HOST, "/"))
        .await
        .expect("the rotated key is pinned now");
    assert_eq!(response.text().await.unwrap(), "hello from rotated");
    let after = client.get(&url(&impostor, HOST, "/")).await;
    assert!(matches!(after, Err(Error::PinMismatch(_))), "{after:?}");

    let versions: Vec<(String, u64, bool)> = recorder
        .events()
        .iter()
        .map(|e| {
            (
                e.chain.pins().next().unwrap().to_string(),
                e.config_version,
                e.allowed(),
            )
        })
        .collect();
    let rotated_pin = pin_of(rotated.leaf()).to_string();
    let old_pin = pki.leaf_pin().to_string();
    assert_eq!(
        versions,
        vec![
            (rotated_pin.clone(), 0, false),
            (old_pin.clone(), 0, true),
            (rotated_pin, 1, true),
            (old_pin, 1, false),
        ],
        "each handshake names the configuration version that decided it"
    );
}

#[tokio::test]
async fn a_connection_pooled_under_the_old_pins_is_not_reused_after_an_update() {
    let pki = Pki::new("Pool");
    let server = TestServer::https("pool", &pki.leaf).await;
    let key = SigningKey::generate(KeyAlgorithm::Es256).unwrap();
    let (client, recorder) = observed_client(&pki, &key);
    let handshakes = || server.stats().handshakes.load(Ordering::SeqCst);

    two_requests(&client, &server).await;
    assert_eq!(handshakes(), 1, "without an update the pooled connection is reused");

    // Still pinning this server (by its intermediate now), so only the pool decides a new handshake.
    client
        .apply_update(signed(1, &[pki.intermediate_pin()], &key).as_bytes())
        .unwrap();
    two_requests(&client, &server).await;
    assert_eq!(
        handshakes(),
        2,
        "one new handshake under the new pins, then its connection is pooled"
    );
    let versions: Vec<u64> = recorder.events().iter().map(|e| e.config_version).collect();
    assert_eq!(versions, vec![0, 1]);
}

#[tokio::test]
async fn a_request_in_flight_finishes_as_it_began() {
    let pki = Pki::new("InFlight");
    let server = TestServer::https("inflight", &pki.leaf).await;
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let client = update_client(
        &[pki.root.cert()],
        &[pki.leaf_pin()],
        UpdateOptions::new(vec![key.verification_key()]),
    );
    let size = 2 * 1024 * 1024;
    let response = client
        .get(&url(&server, HOST, &format!("/gated/{size}")))
        .await
        .unwrap();

    // The update no longer pins this server: new requests fail, the body in flight still arrives.
    client
        .apply_update(signed(1, &[unrelated_pin(7)], &key).as_bytes())
        .unwrap();
    let refused = client.get(&url(&server, HOST, "/")).await;
    assert!(matches!(refused, Err(Error::PinMismatch(_))), "{refused:?}");
    server.open_gate();
    let body = tokio::time::timeout(Duration::from_secs(20), response.bytes())
        .await
        .expect("the body arrives")
        .unwrap();
    assert_eq!(body.len(), size);
}

#[tokio::test]
async fn the_stored_document_survives_a_restart() {
    let pki = Pki::new("Store");
    let rotated = rotated_leaf(&pki);
    let server = TestServer::https("stored", &rotated).await;
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = || UpdateOptions::new(vec![key.verification_key()]).store_dir(dir.path());

    let first = update_client(&[pki.root.cert()], &[pki.leaf_pin()], options());
    first
        .apply_update(signed(4, &[pin_of(rotated.leaf())], &key).as_bytes())
        .unwrap();
    drop(first);
    let stored: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(stored.len(), 1, "one file, no temporary left behind: {stored:?}");

    let events = UpdateRecorder::new();
    let restarted = update_client(
        &[pki.root.cert()],
        &[pki.leaf_pin()],
        options().listener(events.clone()),
    );
    assert_eq!(restarted.version_in_use(), 4);
    assert_eq!(
        events.events(),
        vec![UpdateEvent::Applied {
            version: 4,
            previous: 0,
            origin: UpdateOrigin::Stored
        }]
    );
    restarted
        .get(&url(&server, HOST, "/"))
        .await
        .expect("the stored pins decide");
    // The stored version is the floor after the restart too.
    let rollback = restarted.apply_update(signed(3, &[pki.leaf_pin()], &key).as_bytes());
    assert_eq!(rollback, Err(UpdateError::Rollback { version: 3, in_use: 4 }));

    // A newer app release whose shipped configuration is at least as new wins over the stored one.
    let events = UpdateRecorder::new();
    let newer_release = update_client(
        &[pki.root.cert()],
        &[pki.leaf_pin()],
        options().shipped_version(4).listener(events.clone()),
    );
    assert_eq!(newer_release.version_in_use(), 4);
    assert!(newer_release.policy().rules()[0]
        .pin_set()
        .unwrap()
        .pins()
        .any(|p| *p == pki.leaf_pin()));
    assert!(matches!(
        events.events().as_slice(),
        [UpdateEvent::Refused {
            error: UpdateError::Rollback { version: 4, in_use: 4 },
            origin: UpdateOrigin::Stored
        }]
    ));
}

#[tokio::test]
async fn a_corrupted_or_tampered_store_is_ignored_for_the_shipped_configuration() {
    let pki = Pki::new("Corrupt");
    let server = TestServer::https("corrupt", &pki.leaf).await;
    let key = SigningKey::generate(KeyAlgorithm::Es256).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = || UpdateOptions::new(vec![key.verification_key()]).store_dir(dir.path());
    let first = update_client(&[pki.root.cert()], &[pki.leaf_pin()], options());
    first
        .apply_update(signed(2, &[unrelated_pin(3)], &key).as_bytes())
        .unwrap();
    drop(first);
    let file = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let good = std::fs::read(&file).unwrap();

    let mut tampered = good.clone();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let cases: [(&str, Vec<u8>); 3] = [
        ("tampered", tampered),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("garbage", b"\x00\xffnot a document".to_vec()),
    ];
    for (name, bytes) in cases {
        std::fs::write(&file, &bytes).unwrap();
        let events = UpdateRecorder::new();
        let client = update_client(
            &[pki.root.cert()],
            &[pki.leaf_pin()],
            options().listener(events.clone()),
        );
        assert_eq!(client.version_in_use(), 0, "{name}: the shipped configuration");
        assert!(
            matches!(
                events.events().as_slice(),
                [UpdateEvent::Refused {
                    origin: UpdateOrigin::Stored,
                    ..
                }]
            ),
            "{name}: {:?}",
            events.events()
        );
        client
            .get(&url(&server, HOST, "/"))
            .await
            .expect("the shipped pins decide");
    }
}

#[tokio::test]
async fn updates_are_fetched_over_a_connection_pinned_by_the_shipped_configuration() {
    let pki = Pki::new("Fetch");
    let update_server = TestServer::https("updates", &pki.leaf).await;
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let document_url = url(&update_server, HOST, "/collected/last");
    let events = UpdateRecorder::new();
    let options = UpdateOptions::new(vec![key.verification_key()])
        .url(&document_url)
        .listener(events.clone());
    let client = update_client(&[pki.root.cert()], &[pki.leaf_pin()], options);

    // Version 1 unpins the update host itself; the next fetch is still pinned by the shipped pins.
    update_server.collect(signed(1, &[unrelated_pin(1)], &key));
    assert_eq!(
        client.check_for_update().await.unwrap(),
        UpdateOutcome::Applied {
            version: 1,
            previous: 0
        }
    );
    update_server.collect(signed(2, &[unrelated_pin(2)], &key));
    assert_eq!(
        client.check_for_update().await.unwrap(),
        UpdateOutcome::Applied {
            version: 2,
            previous: 1
        }
    );
    assert_eq!(
        client.check_for_update().await.unwrap(),
        UpdateOutcome::Unchanged { version: 2 }
    );

    // An update host that fails the shipped pins is refused, whatever it serves.
    let other = Pki::new("FetchImpostor");
    let impostor = TestServer::https("impostor", &other.leaf).await;
    impostor.collect(signed(3, &[unrelated_pin(3)], &key));
    let client = builder(&[pki.root.cert(), other.root.cert()])
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .updates(
            UpdateOptions::new(vec![key.verification_key()])
                .url(&url(&impostor, HOST, "/collected/last"))
                .listener(events.clone()),
        )
        .build()
        .unwrap();
    let error = client.check_for_update().await.unwrap_err();
    assert!(matches!(error, UpdateError::Fetch { .. }), "{error}");
    assert_eq!(client.version_in_use(), 0);
    assert!(matches!(
        events.events().last(),
        Some(UpdateEvent::Refused {
            error: UpdateError::Fetch { .. },
            origin: UpdateOrigin::Fetched { .. }
        })
    ));
}

#[tokio::test]
async fn a_scheduled_fetch_applies_the_document_at_start() {
    let pki = Pki::new("Schedule");
    let update_server = TestServer::https("schedule", &pki.leaf).await;
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    update_server.collect(signed(7, &[unrelated_pin(1)], &key));
    let events = UpdateRecorder::new();
    let options = UpdateOptions::new(vec![key.verification_key()])
        .url(&url(&update_server, HOST, "/collected/last"))
        .fetch_every(Duration::from_secs(3600))
        .listener(events.clone());
    let client = update_client(&[pki.root.cert()], &[pki.leaf_pin()], options);
    for _ in 0..200 {
        if client.version_in_use() == 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.version_in_use(), 7);
    assert!(matches!(
        events.events().as_slice(),
        [UpdateEvent::Applied {
            version: 7,
            origin: UpdateOrigin::Fetched { .. },
            ..
        }]
    ));
    // A missing document on the next check is an event, not a change.
    let empty = TestServer::https("empty", &pki.leaf).await;
    let client = update_client(
        &[pki.root.cert()],
        &[pki.leaf_pin()],
        UpdateOptions::new(vec![key.verification_key()]).url(&url(&empty, HOST, "/collected/last")),
    );
    assert!(matches!(
        client.check_for_update().await,
        Err(UpdateError::Fetch { .. })
    ));
    assert_eq!(client.version_in_use(), 0);
}
