//! Fixtures shared by the integration tests.

use pinwire::{Client, ClientBuilder, Pin, PinEvent, PinObserver, Policy};
use pinwire_testserver::{Authority, Identity, TestServer};
use rustls_pki_types::CertificateDer;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Host names the tests use; all resolve to 127.0.0.1 through the client's resolve overrides.
pub const HOST: &str = "api.pinwire.test";
pub const OTHER_HOST: &str = "other.pinwire.test";
pub const NAMES: [&str; 6] = [
    HOST,
    OTHER_HOST,
    "pinwire.test",
    "a.b.pinwire.test",
    "cdn.pinwire.test",
    "plain.pinwire.test",
];

/// A root, an intermediate under it, and a leaf for [`HOST`] issued by the intermediate.
pub struct Pki {
    pub root: Authority,
    pub intermediate: Authority,
    pub leaf: Identity,
}

impl Pki {
    pub fn new(name: &str) -> Pki {
        let root = Authority::root(&format!("{name} Root"));
        let intermediate = root.intermediate(&format!("{name} Intermediate"));
        let leaf = intermediate.leaf([HOST, OTHER_HOST]);
        Pki {
            root,
            intermediate,
            leaf,
        }
    }

    pub fn root_pin(&self) -> Pin {
        pin_of(self.root.cert())
    }

    pub fn intermediate_pin(&self) -> Pin {
        pin_of(self.intermediate.cert())
    }

    pub fn leaf_pin(&self) -> Pin {
        pin_of(self.leaf.leaf())
    }
}

pub fn pin_of(cert: &CertificateDer<'_>) -> Pin {
    Pin::from_certificate_der(cert).expect("test certificate parses")
}

/// A pin that matches nothing, to stand as the backup in a pin set.
pub fn unrelated_pin(tag: u8) -> Pin {
    Pin::from_sha256([tag; 32])
}

/// A client that trusts `roots` and resolves every test name to loopback.
pub fn builder(roots: &[&CertificateDer<'static>]) -> ClientBuilder {
    let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut builder = Client::builder().trust_roots(roots.iter().map(|r| (*r).clone()).collect());
    for name in NAMES {
        builder = builder.resolve(name, loopback);
    }
    builder
}

pub fn new_client(roots: &[&CertificateDer<'static>], policy: Policy) -> Client {
    builder(roots).policy(policy).build().expect("client builds")
}

/// A policy pinning `pattern` to `pins` plus an unrelated backup pin.
pub fn pinned(pattern: &str, pins: &[Pin]) -> Policy {
    let mut all = pins.to_vec();
    all.push(unrelated_pin(0xEE));
    Policy::builder().pin(pattern, all).build().expect("policy builds")
}

pub fn url(server: &TestServer, host: &str, path: &str) -> String {
    format!("https://{host}:{}{path}", server.port())
}

/// Records every pin event.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<PinEvent>>);

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    pub fn events(&self) -> Vec<PinEvent> {
        self.0.lock().unwrap().clone()
    }
}

impl PinObserver for Recorder {
    fn on_pin_event(&self, event: &PinEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}
