//! Signed pin updates refused: every acceptance rule, through `Client::apply_update`, with the
//! configuration in use and the event the listeners hear checked each time.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use pinwire::update::{
    sign_update, KeyAlgorithm, SigningKey, UpdateContent, UpdateError, UpdateEvent, UpdateListener, UpdateOptions,
    UpdateOrigin, UpdateOutcome, VerificationKey,
};
use pinwire::{Client, Pin};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Records every update event.
#[derive(Default)]
pub struct UpdateRecorder(Mutex<Vec<UpdateEvent>>);

impl UpdateRecorder {
    pub fn new() -> Arc<UpdateRecorder> {
        Arc::new(UpdateRecorder::default())
    }

    pub fn events(&self) -> Vec<UpdateEvent> {
        self.0.lock().unwrap().clone()
    }
}

impl UpdateListener for UpdateRecorder {
    fn on_update_event(&self, event: &UpdateEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

/// A Pinwire JSON configuration pinning [`HOST`] to `pins`.
pub fn config_json(pins: &[Pin]) -> String {
    let pins: Vec<String> = pins.iter().map(|p| p.to_string()).collect();
    serde_json::json!({ "version": 1, "rules": [{ "pattern": HOST, "pins": pins }] }).to_string()
}

/// Content valid from a minute ago for thirty days.
pub fn content(version: u64, config: &str) -> UpdateContent {
    let now = OffsetDateTime::now_utc();
    UpdateContent {
        version,
        issued_at: now - Duration::minutes(1),
        expires_at: now + Duration::days(30),
        config_json: config.to_string(),
    }
}

/// A signed update pinning [`HOST`] to `pins` plus an unrelated backup.
pub fn signed(version: u64, pins: &[Pin], key: &SigningKey) -> String {
    let mut all = pins.to_vec();
    all.push(unrelated_pin(0xEE));
    sign_update(&content(version, &config_json(&all)), key).expect("signs")
}

/// A client that takes updates signed by `keys`, with the shipped policy pinning [`HOST`] to `pins`.
pub fn update_client(
    roots: &[&rustls_pki_types::CertificateDer<'static>],
    pins: &[Pin],
    options: UpdateOptions,
) -> Client {
    builder(roots)
        .policy(pinned(HOST, pins))
        .updates(options)
        .build()
        .expect("client builds")
}

struct Fixture {
    key: SigningKey,
    client: Client,
    events: Arc<UpdateRecorder>,
}

fn fixture(algorithm: KeyAlgorithm) -> Fixture {
    let key = SigningKey::generate(algorithm).unwrap();
    let events = UpdateRecorder::new();
    let pki = Pki::new("Rules");
    let options = UpdateOptions::new(vec![key.verification_key()]).listener(events.clone());
    let client = update_client(&[pki.root.cert()], &[pki.leaf_pin()], options);
    Fixture { key, client, events }
}

impl Fixture {
    /// Applies `document`, expects it refused, the version in use unchanged and the listeners told.
    fn refused(&self, document: &[u8]) -> UpdateError {
        let before = self.client.version_in_use();
        let error = self.client.apply_update(document).expect_err("the update is refused");
        assert_eq!(self.client.version_in_use(), before, "what was in use stays in use");
        let last = self.events.events().pop().expect("an event");
        assert_eq!(
            last,
            UpdateEvent::Refused {
                error: error.clone(),
                origin: UpdateOrigin::App
            }
        );
        error
    }

    fn applied(&self, document: &[u8]) -> UpdateOutcome {
        self.client.apply_update(document).expect("the update is applied")
    }
}

/// The pins of the first rule in use.
fn pins_in_use(client: &Client) -> Vec<Pin> {
    client.policy().rules()[0].pin_set().unwrap().pins().copied().collect()
}

fn parts(document: &str) -> Vec<String> {
    document.split('.').map(str::to_string).collect()
}

fn decoded(part: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn encoded(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// `document` with its JSON part `index` (0 the header, 1 the payload) edited, the signature kept.
fn edited(document: &str, index: usize, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut p = parts(document);
    let mut value = decoded(&p[index]);
    edit(&mut value);
    p[index] = encoded(&value);
    p.join(".")
}

#[test]
fn a_valid_update_is_applied_with_either_algorithm() {
    for algorithm in [KeyAlgorithm::Ed25519, KeyAlgorithm::Es256] {
        let f = fixture(algorithm);
        assert_eq!(f.client.version_in_use(), 0);
        let outcome = f.applied(signed(3, &[unrelated_pin(1)], &f.key).as_bytes());
        assert_eq!(
            outcome,
            UpdateOutcome::Applied {
                version: 3,
                previous: 0
            }
        );
        assert_eq!(f.client.version_in_use(), 3);
        let pins = pins_in_use(&f.client);
        assert_eq!(pins, vec![unrelated_pin(1), unrelated_pin(0xEE)], "{algorithm}");
        assert_eq!(
            f.events.events(),
            vec![UpdateEvent::Applied {
                version: 3,
                previous: 0,
                origin: UpdateOrigin::App
            }]
        );
    }
}

#[test]
fn a_tampered_payload_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let document = edited(&signed(1, &[unrelated_pin(1)], &f.key), 1, |payload| {
        payload["config"]["rules"][0]["pins"][0] = unrelated_pin(9).to_string().into();
    });
    let error = f.refused(document.as_bytes());
    assert!(matches!(error, UpdateError::BadSignature { .. }), "{error}");
}

#[test]
fn a_tampered_signature_is_refused() {
    let f = fixture(KeyAlgorithm::Es256);
    let document = signed(1, &[unrelated_pin(1)], &f.key);
    let mut p = parts(&document);
    let mut signature = URL_SAFE_NO_PAD.decode(&p[2]).unwrap();
    signature[10] ^= 0x01;
    p[2] = URL_SAFE_NO_PAD.encode(signature);
    let error = f.refused(p.join(".").as_bytes());
    assert!(matches!(error, UpdateError::BadSignature { .. }), "{error}");
}

#[test]
fn a_document_signed_by_another_key_with_the_same_kid_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let other = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    // Claim the embedded key's id: the signature must still be the embedded key's.
    let document = edited(&signed(1, &[unrelated_pin(1)], &other), 0, |header| {
        header["kid"] = f.key.verification_key().kid().into();
    });
    let error = f.refused(document.as_bytes());
    assert!(matches!(error, UpdateError::BadSignature { .. }), "{error}");
}

#[test]
fn an_unknown_kid_is_refused_and_a_missing_one_too() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let other = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let error = f.refused(signed(1, &[unrelated_pin(1)], &other).as_bytes());
    assert_eq!(
        error,
        UpdateError::UnknownKeyId {
            kid: other.verification_key().kid().to_string()
        }
    );

    let document = edited(&signed(1, &[unrelated_pin(1)], &f.key), 0, |header| {
        header.as_object_mut().unwrap().remove("kid");
    });
    assert_eq!(f.refused(document.as_bytes()), UpdateError::MissingKeyId);
}

#[test]
fn alg_none_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let p = parts(&signed(1, &[unrelated_pin(1)], &f.key));
    let header = serde_json::json!({ "alg": "none", "kid": f.key.verification_key().kid() });
    // With the empty signature `none` calls for, and with any signature at all.
    let unsigned = format!("{}.{}.", encoded(&header), p[1]);
    assert!(matches!(f.refused(unsigned.as_bytes()), UpdateError::Malformed { .. }));
    let with_signature = format!("{}.{}.{}", encoded(&header), p[1], p[2]);
    let error = f.refused(with_signature.as_bytes());
    assert!(
        matches!(&error, UpdateError::AlgorithmNotAllowed { alg, expected: "EdDSA", .. } if alg == "none"),
        "{error}"
    );
}

#[test]
fn hs256_keyed_with_the_public_key_is_refused() {
    // The classic confusion: an attacker knows the public key and MACs the document with it.
    let f = fixture(KeyAlgorithm::Es256);
    let public = f.key.verification_key();
    let jwk: serde_json::Value = serde_json::from_str(public.to_jwk()).unwrap();
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
    let payload = parts(&signed(1, &[unrelated_pin(1)], &f.key))[1].clone();
    let payload: serde_json::Value = decoded(&payload);
    for secret in [public.to_jwk().as_bytes().to_vec(), x] {
        // Assembled here with ring's HMAC: the library's JOSE backend signs ES256 and EdDSA only.
        let header = serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": public.kid()});
        let input = format!("{}.{}", encoded(&header), encoded(&payload));
        let mac = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret),
            input.as_bytes(),
        );
        let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));
        let error = f.refused(forged.as_bytes());
        assert!(
            matches!(&error, UpdateError::AlgorithmNotAllowed { alg, expected: "ES256", .. } if alg == "HS256"),
            "{error}"
        );
    }
    // Nor may an Ed25519 signature stand for an ES256 key.
    let ed = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let document = edited(&signed(1, &[unrelated_pin(1)], &ed), 0, |header| {
        header["kid"] = public.kid().into();
    });
    assert!(matches!(
        f.refused(document.as_bytes()),
        UpdateError::AlgorithmNotAllowed { .. }
    ));
}

#[test]
fn a_rollback_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    f.applied(signed(5, &[unrelated_pin(1)], &f.key).as_bytes());
    let error = f.refused(signed(4, &[unrelated_pin(2)], &f.key).as_bytes());
    assert_eq!(error, UpdateError::Rollback { version: 4, in_use: 5 });
    assert_eq!(f.client.version_in_use(), 5);
}

#[test]
fn the_same_version_is_unchanged_but_with_other_content_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let document = signed(2, &[unrelated_pin(1)], &f.key);
    f.applied(document.as_bytes());
    assert_eq!(f.applied(document.as_bytes()), UpdateOutcome::Unchanged { version: 2 });
    let error = f.refused(signed(2, &[unrelated_pin(2)], &f.key).as_bytes());
    assert_eq!(error, UpdateError::SameVersionDifferentContent { version: 2 });
    let pins = pins_in_use(&f.client);
    assert_eq!(pins[0], unrelated_pin(1), "the first version 2 stays");
}

#[test]
fn an_expired_document_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let now = OffsetDateTime::now_utc();
    let mut expired = content(1, &config_json(&[unrelated_pin(1), unrelated_pin(2)]));
    expired.issued_at = now - Duration::days(10);
    expired.expires_at = now - Duration::seconds(1);
    let error = f.refused(sign_update(&expired, &f.key).unwrap().as_bytes());
    assert!(matches!(error, UpdateError::Expired { version: 1, .. }), "{error}");
}

#[test]
fn a_document_issued_in_the_future_is_refused_beyond_the_skew() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let now = OffsetDateTime::now_utc();
    let mut future = content(1, &config_json(&[unrelated_pin(1), unrelated_pin(2)]));
    future.issued_at = now + Duration::hours(1);
    let error = f.refused(sign_update(&future, &f.key).unwrap().as_bytes());
    assert!(
        matches!(error, UpdateError::IssuedInFuture { version: 1, .. }),
        "{error}"
    );
    // Within the stated skew (5 minutes), a clock slightly behind the signer's is fine.
    future.issued_at = now + Duration::minutes(2);
    f.applied(sign_update(&future, &f.key).unwrap().as_bytes());
}

#[test]
fn an_oversized_document_is_refused_unread() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let big = vec![b'a'; pinwire::update::DEFAULT_MAX_DOCUMENT_SIZE + 1];
    assert_eq!(
        f.refused(&big),
        UpdateError::TooLarge {
            size: big.len(),
            max: pinwire::update::DEFAULT_MAX_DOCUMENT_SIZE
        }
    );
    // A valid document over a smaller cap.
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let client = Client::builder()
        .updates(UpdateOptions::new(vec![key.verification_key()]).max_document_size(200))
        .build()
        .unwrap();
    let document = signed(1, &[unrelated_pin(1)], &key);
    assert!(document.len() > 200);
    assert!(matches!(
        client.apply_update(document.as_bytes()),
        Err(UpdateError::TooLarge { max: 200, .. })
    ));
}

#[test]
fn a_truncated_document_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let document = signed(1, &[unrelated_pin(1)], &f.key);
    for cut in [
        0,
        10,
        document.find('.').unwrap() + 1,
        document.rfind('.').unwrap() + 1,
        document.len() - 5,
    ] {
        let error = f.refused(&document.as_bytes()[..cut]);
        assert!(
            matches!(error, UpdateError::Malformed { .. } | UpdateError::BadSignature { .. }),
            "cut at {cut}: {error}"
        );
    }
    assert_eq!(f.client.version_in_use(), 0);
}

#[test]
fn a_configuration_with_one_pin_is_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let one_pin = config_json(&[unrelated_pin(1)]);
    // The release tool refuses to sign it; a document signed anyway is refused by the client.
    assert!(matches!(
        sign_update(&content(1, &one_pin), &f.key),
        Err(UpdateError::InvalidConfiguration { .. })
    ));
    let mut p = parts(&signed(1, &[unrelated_pin(1)], &f.key));
    let mut payload = decoded(&p[1]);
    payload["config"] = serde_json::from_str(&one_pin).unwrap();
    p[1] = encoded(&payload);
    let error = f.refused(resign(&payload, &f.key).as_bytes());
    assert!(
        matches!(error, UpdateError::InvalidConfiguration { version: 1, .. }),
        "{error}"
    );

    // Nor may an update relax the rule itself.
    let mut relaxed: serde_json::Value = serde_json::from_str(&one_pin).unwrap();
    relaxed["allow_single_pin"] = true.into();
    payload["config"] = relaxed;
    let error = f.refused(resign(&payload, &f.key).as_bytes());
    assert!(
        matches!(error, UpdateError::UnacceptableConfiguration { .. }),
        "{error}"
    );
}

#[test]
fn trust_anchors_and_unknown_keys_in_the_configuration_are_refused() {
    let f = fixture(KeyAlgorithm::Ed25519);
    let extras = [
        ("trust_anchors", serde_json::json!([{ "source": "user" }])),
        ("require_future_feature", serde_json::json!(true)),
    ];
    for (name, value) in extras {
        let mut config: serde_json::Value =
            serde_json::from_str(&config_json(&[unrelated_pin(1), unrelated_pin(2)])).unwrap();
        config[name] = value;
        let document = sign_update(&content(1, &config.to_string()), &f.key).unwrap();
        let error = f.refused(document.as_bytes());
        assert!(
            matches!(error, UpdateError::UnacceptableConfiguration { .. }),
            "{name}: {error}"
        );
    }
}

#[test]
fn a_second_embedded_key_verifies_after_the_signing_key_rotates() {
    let old = SigningKey::generate(KeyAlgorithm::Es256).unwrap();
    let new = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let client = Client::builder()
        .updates(UpdateOptions::new(vec![old.verification_key(), new.verification_key()]))
        .build()
        .unwrap();
    client
        .apply_update(signed(1, &[unrelated_pin(1)], &old).as_bytes())
        .unwrap();
    client
        .apply_update(signed(2, &[unrelated_pin(2)], &new).as_bytes())
        .unwrap();
    assert_eq!(client.version_in_use(), 2);
}

#[test]
fn keys_are_read_as_public_jwks_only() {
    let key = SigningKey::generate(KeyAlgorithm::Es256).unwrap();
    let public = key.verification_key();
    let again = VerificationKey::from_jwk(public.to_jwk()).unwrap();
    assert_eq!((again.kid(), again.algorithm()), (public.kid(), KeyAlgorithm::Es256));
    let mut jwk: serde_json::Value = serde_json::from_str(public.to_jwk()).unwrap();
    jwk["alg"] = "HS256".into();
    assert!(
        VerificationKey::from_jwk(&jwk.to_string()).is_err(),
        "an alg other than the key's"
    );
    jwk["alg"] = "ES256".into();
    jwk["d"] = "AAAA".into();
    assert!(VerificationKey::from_jwk(&jwk.to_string()).is_err(), "a private key");
    jwk.as_object_mut().unwrap().remove("d");
    jwk.as_object_mut().unwrap().remove("kid");
    assert!(VerificationKey::from_jwk(&jwk.to_string()).is_err(), "no kid");
    let secret = serde_json::json!({ "kty": "oct", "k": "c2VjcmV0", "kid": "k" });
    assert!(
        VerificationKey::from_jwk(&secret.to_string()).is_err(),
        "a symmetric key"
    );
    let pem = key.to_pkcs8_pem();
    assert_eq!(
        SigningKey::from_pkcs8_pem(&pem).unwrap().verification_key().kid(),
        public.kid()
    );
}

#[test]
fn a_client_without_update_options_refuses_updates() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let client = Client::builder().build().unwrap();
    assert!(matches!(
        client.apply_update(signed(1, &[unrelated_pin(1)], &key).as_bytes()),
        Err(UpdateError::NotConfigured { .. })
    ));
    assert!(Client::builder()
        .updates(UpdateOptions::new(Vec::new()))
        .build()
        .is_err());
}

/// Signs `payload` as it is (the release tool would refuse some of these) with the Ed25519 `key`.
fn resign(payload: &serde_json::Value, key: &SigningKey) -> String {
    let body: String = key.to_pkcs8_pem().lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let header = jsonwebtoken::Header {
        kid: Some(key.verification_key().kid().to_string()),
        typ: None,
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA)
    };
    jsonwebtoken::encode(&header, payload, &jsonwebtoken::EncodingKey::from_ed_der(&der)).unwrap()
}
