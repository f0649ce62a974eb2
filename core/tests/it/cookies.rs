//! Cookies: a login's cookie sent back across a redirect on the same host and never to another host,
//! an app's own store, and cookies of a pinned host only ever sent over connections that passed its pins.

use crate::common::*;
use pinwire::{Cookie, CookieStore, Error, MemoryCookieStore, Policy};
use pinwire_testserver::{Authority, TestServer};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn a_login_cookie_is_sent_after_a_redirect_to_another_path_and_on_later_calls() {
    let pki = Pki::new("Cookies");
    let server = TestServer::https("cookies", &pki.leaf).await;
    let store = Arc::new(MemoryCookieStore::new());
    let client = builder(&[pki.root.cert()]).cookie_store(store.clone()).build().unwrap();
    let response = client
        .get(&url(&server, HOST, "/cookies/login?to=/cookies/echo"))
        .await
        .unwrap();
    assert!(response.url().path().ends_with("/cookies/echo"));
    assert_eq!(response.text().await.unwrap(), "session=s3cr3t");
    let later = client.get(&url(&server, HOST, "/cookies/echo")).await.unwrap();
    assert_eq!(later.text().await.unwrap(), "session=s3cr3t");
    let kept = store.all();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].host_only && kept[0].http_only && kept[0].domain == HOST);

    // A client without a store sends none.
    let plain = new_client(&[pki.root.cert()], Policy::unpinned());
    plain.get(&url(&server, HOST, "/cookies/login")).await.unwrap();
    let echo = plain.get(&url(&server, HOST, "/cookies/echo")).await.unwrap();
    assert_eq!(echo.text().await.unwrap(), "");
}

#[tokio::test]
async fn a_cookie_is_not_sent_to_another_host_not_even_through_a_redirect() {
    let pki = Pki::new("Cookies");
    let server = TestServer::https("cookies", &pki.leaf).await;
    let client = builder(&[pki.root.cert()])
        .cookie_store(Arc::new(MemoryCookieStore::new()))
        .build()
        .unwrap();
    let elsewhere = url(&server, OTHER_HOST, "/cookies/echo");
    let response = client
        .get(&url(&server, HOST, &format!("/cookies/login?to={elsewhere}")))
        .await
        .unwrap();
    assert_eq!(response.url().host_str(), Some(OTHER_HOST));
    assert_eq!(response.text().await.unwrap(), "");
    let same = client.get(&url(&server, HOST, "/cookies/echo")).await.unwrap();
    assert_eq!(same.text().await.unwrap(), "session=s3cr3t");
}

#[tokio::test]
async fn domain_path_secure_and_expiry_rules_hold_end_to_end() {
    let pki = Pki::new("Cookies");
    let server = TestServer::https("cookies", &pki.leaf).await;
    let client = builder(&[pki.root.cert()])
        .cookie_store(Arc::new(MemoryCookieStore::new()))
        .build()
        .unwrap();
    // Domain=pinwire.test reaches other.pinwire.test; Path=/elsewhere never reaches /cookies/echo;
    // Max-Age=0 deletes; a Domain of another site is dropped.
    let set = "/cookies/set?c=wide%3D1%3B%20Domain%3Dpinwire.test%3B%20Path%3D%2F\
               &c=narrow%3D2%3B%20Path%3D%2Felsewhere\
               &c=gone%3D3%3B%20Path%3D%2F%3B%20Max-Age%3D0\
               &c=foreign%3D4%3B%20Domain%3Devil.test%3B%20Path%3D%2F\
               &c=lax%3D5%3B%20Path%3D%2F%3B%20SameSite%3DStrict%3B%20Secure";
    client.get(&url(&server, HOST, set)).await.unwrap();
    let here = client.get(&url(&server, HOST, "/cookies/echo")).await.unwrap();
    let mut sent: Vec<String> = here.text().await.unwrap().split("; ").map(String::from).collect();
    sent.sort();
    assert_eq!(sent, ["lax=5", "wide=1"]);
    let there = client.get(&url(&server, OTHER_HOST, "/cookies/echo")).await.unwrap();
    assert_eq!(there.text().await.unwrap(), "wide=1");
}

/// An app's store: keeps what it is given, and records each call.
#[derive(Debug, Default)]
struct AppStore {
    cookies: Mutex<Vec<Cookie>>,
    calls: Mutex<Vec<String>>,
}

impl CookieStore for AppStore {
    fn save(&self, url: &pinwire::http::Url, cookies: Vec<Cookie>) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("save {} {}", url.path(), cookies.len()));
        self.cookies.lock().unwrap().extend(cookies);
    }

    fn load(&self, url: &pinwire::http::Url) -> Vec<Cookie> {
        self.calls.lock().unwrap().push(format!("load {}", url.path()));
        self.cookies.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn the_apps_own_store_is_called_to_save_and_load() {
    let pki = Pki::new("Cookies");
    let server = TestServer::https("cookies", &pki.leaf).await;
    let store = Arc::new(AppStore::default());
    let client = builder(&[pki.root.cert()]).cookie_store(store.clone()).build().unwrap();
    let response = client.get(&url(&server, HOST, "/cookies/login")).await.unwrap();
    assert_eq!(response.text().await.unwrap(), "session=s3cr3t");
    assert_eq!(
        *store.calls.lock().unwrap(),
        ["load /cookies/login", "save /cookies/login 1", "load /cookies/echo"]
    );
    // The store hands back everything for any URL; the client still sends nothing to another host.
    let other = client.get(&url(&server, OTHER_HOST, "/cookies/echo")).await.unwrap();
    assert_eq!(other.text().await.unwrap(), "");
}

#[tokio::test]
async fn a_pinned_hosts_cookies_never_reach_a_server_that_fails_its_pins() {
    let pki = Pki::new("Cookies");
    let genuine = TestServer::https("genuine", &pki.leaf).await;
    let evil = Authority::root("Evil");
    let impostor = TestServer::https("impostor", &evil.leaf([HOST])).await;
    // The client trusts the impostor's CA (a user-installed CA, say): only the pins stop it.
    let client = builder(&[pki.root.cert(), evil.cert()])
        .policy(pinned(HOST, &[pki.intermediate_pin()]))
        .cookie_store(Arc::new(MemoryCookieStore::new()))
        .build()
        .unwrap();
    client.get(&url(&genuine, HOST, "/cookies/login")).await.unwrap();
    let error = client.get(&url(&impostor, HOST, "/cookies/echo")).await.unwrap_err();
    assert!(matches!(error, Error::PinMismatch(_)), "{error:?}");
    assert_eq!(impostor.stats().requests.load(Ordering::SeqCst), 0);
    // The genuine server still gets it.
    let echo = client.get(&url(&genuine, HOST, "/cookies/echo")).await.unwrap();
    assert_eq!(echo.text().await.unwrap(), "session=s3cr3t");
}

/// A store that sleeps in `load` for one port (a store reading a disk, or waiting for the platform's).
#[derive(Debug)]
struct SlowStore {
    slow_port: u16,
    sleeping: std::sync::atomic::AtomicBool,
    woke: std::sync::atomic::AtomicBool,
}

impl CookieStore for SlowStore {
    fn save(&self, _: &pinwire::http::Url, _: Vec<Cookie>) {}

    fn load(&self, url: &pinwire::http::Url) -> Vec<Cookie> {
        if url.port() == Some(self.slow_port) {
            self.sleeping.store(true, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_secs(5));
            self.woke.store(true, Ordering::SeqCst);
        }
        Vec::new()
    }
}

// One worker, as the bindings' runtime: a store called on it would stall every other call.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_slow_cookie_store_delays_its_own_request_only() {
    use std::time::{Duration, Instant};
    let pki = Pki::new("Cookies");
    let slow_server = TestServer::https("slow-cookies", &pki.leaf).await;
    let fast_server = TestServer::https("fast-cookies", &pki.leaf).await;
    let store = Arc::new(SlowStore {
        slow_port: slow_server.port(),
        sleeping: Default::default(),
        woke: Default::default(),
    });
    let client = builder(&[pki.root.cert()]).cookie_store(store.clone()).build().unwrap();

    let slow = tokio::spawn({
        let client = client.clone();
        let target = url(&slow_server, HOST, "/cookies/echo");
        async move { client.get(&target).await.map(|r| r.status()) }
    });
    // The test's own thread (not the runtime's worker) waits until the store sleeps.
    let waiting = Instant::now();
    while !store.sleeping.load(Ordering::SeqCst) && waiting.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        store.sleeping.load(Ordering::SeqCst),
        "the slow request reached the store"
    );

    // Meanwhile, on the one worker, requests to another server complete.
    let fast = tokio::spawn({
        let client = client.clone();
        let target = url(&fast_server, HOST, "/cookies/echo");
        async move {
            let started = Instant::now();
            for _ in 0..5 {
                assert_eq!(client.get(&target).await.unwrap().status(), 200);
            }
            started.elapsed()
        }
    });
    let fast = fast.await.unwrap();
    assert!(
        !store.woke.load(Ordering::SeqCst),
        "the other requests completed while the store slept ({fast:?})"
    );
    assert_eq!(slow.await.unwrap().unwrap(), 200, "the slow request completes too");
}
