//! WebSockets over the client's own TLS set-up: the echo of the test servers, through the pinned
//! chain, an impostor chain, cleartext, a proxy, and every way a socket ends.

use crate::common::*;
use pinwire::report::{AppInfo, ReportConfig};
use pinwire::websocket::{CloseFrame, Message, WebSocket, WebSocketRequest};
use pinwire::{CancellationToken, Client, Error, PinOutcome, Policy, TimeoutKind};
use pinwire_testserver::websocket::session_state;
use pinwire_testserver::{Authority, ProxyMode, TestProxy, TestServer};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A session id no other test uses (the echo keeps its sessions' states in one table).
fn session(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{name}-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

fn ws_url(server: &TestServer, scheme: &str, path: &str) -> String {
    format!("{scheme}://{HOST}:{}{path}", server.port())
}

async fn open(client: &Client, url: &str) -> Result<WebSocket, Error> {
    client.websocket(WebSocketRequest::new(url)?).await
}

/// Waits until session `id` reaches a state other than `open`.
async fn ended(id: &str) -> Option<String> {
    for _ in 0..250 {
        match session_state(id) {
            Some(state) if state != "open" => return Some(state),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    session_state(id)
}

#[tokio::test]
async fn echoes_text_and_binary_over_the_pinned_chain_and_closes_with_a_code() {
    let pki = Pki::new("WsEcho");
    let server = TestServer::https("ws", &pki.leaf).await;
    let recorder = Recorder::new();
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.intermediate_pin()]))
        .observer(recorder.clone())
        .build()
        .unwrap();
    let id = session("echo");
    let socket = open(&client, &ws_url(&server, "wss", &format!("/ws/{id}")))
        .await
        .expect("pinned");

    socket.send(Message::Text("héllo".into())).await.unwrap();
    assert_eq!(socket.receive().await.unwrap(), Some(Message::Text("héllo".into())));
    let binary: Vec<u8> = (0..=255).collect();
    socket.send(Message::Binary(binary.clone().into())).await.unwrap();
    assert_eq!(socket.receive().await.unwrap(), Some(Message::Binary(binary.into())));

    socket.close(CloseFrame::new(4000, "bye").unwrap()).await.unwrap();
    assert_eq!(ended(&id).await.as_deref(), Some("closed 4000 bye"));
    assert_eq!(socket.receive().await.unwrap(), None, "closed by the handshake");
    assert!(socket.is_closed());
    assert!(matches!(
        socket.send(Message::Text("late".into())).await,
        Err(Error::Protocol { .. })
    ));

    // The handshake was decided by the client's verifier, with the port of the socket.
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].outcome,
        PinOutcome::Matched {
            pin: pki.intermediate_pin()
        }
    );
    assert_eq!(events[0].port, Some(server.port()));
}

#[tokio::test]
async fn the_impostor_chain_is_refused_with_the_typed_pin_error_an_event_and_a_report() {
    let pki = Pki::new("WsReal");
    let evil = Authority::root("Evil Root");
    let impostor = TestServer::https("impostor", &evil.leaf([HOST])).await;
    let collector_host = "collector.pinwire.test";
    let collector = TestServer::https("collector", &pki.intermediate.leaf([collector_host])).await;
    let app = AppInfo {
        bundle_id: "dev.pinwire.tests".into(),
        version: "1".into(),
        vendor_id: "v".into(),
        platform: "LINUX".into(),
        platform_version: "6".into(),
    };
    let report_uri = format!("https://{collector_host}:{}/collect", collector.port());
    let recorder = Recorder::new();
    // Evil Root is trusted (an intercepting proxy's CA on the device): the chain validates, the pins do not.
    let client = builder(&[pki.root.cert(), evil.cert()])
        .resolve(collector_host, "127.0.0.1:0".parse().unwrap())
        .policy(pinned(HOST, &[pki.intermediate_pin()]))
        .observer(recorder.clone())
        .reporting(ReportConfig::new(app).report_uri(HOST, &report_uri).unwrap())
        .build()
        .unwrap();
    let id = session("impostor");
    let error = open(&client, &ws_url(&impostor, "wss", &format!("/ws/{id}")))
        .await
        .expect_err("impostor refused");
    let Error::PinMismatch(mismatch) = error else {
        panic!("expected a pin mismatch, got {error:?}")
    };
    assert_eq!(mismatch.host, HOST);
    assert_eq!(mismatch.port, Some(impostor.port()));
    assert_eq!(mismatch.chain_pins().last(), Some(&pin_of(evil.cert())));
    assert_eq!(session_state(&id), None, "the upgrade never reached the server");

    let events = recorder.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, PinOutcome::Mismatch);
    assert_eq!(events[0].port, Some(impostor.port()));
    assert!(client.flush_reports(Duration::from_secs(5)).await, "report uploaded");
    let reports = collector.collected();
    assert_eq!(reports.len(), 1);
    let report: serde_json::Value = serde_json::from_slice(&reports[0]).unwrap();
    assert_eq!(report["hostname"], HOST);
    assert_eq!(report["port"], impostor.port());
}

#[tokio::test]
async fn the_server_closing_with_a_code_ends_the_messages() {
    let pki = Pki::new("WsServerClose");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let socket = open(
        &client,
        &ws_url(&server, "wss", &format!("/ws/{}", session("server-close"))),
    )
    .await
    .unwrap();
    socket.send(Message::Text("before".into())).await.unwrap();
    socket.send(Message::Text("close 4001 done here".into())).await.unwrap();
    assert_eq!(socket.receive().await.unwrap(), Some(Message::Text("before".into())));
    assert_eq!(socket.receive().await.unwrap(), None);
    assert_eq!(
        socket.close_frame(),
        Some(CloseFrame {
            code: 4001,
            reason: "done here".into()
        })
    );
    // Closing a closed socket is not an error.
    socket.close(CloseFrame::normal()).await.unwrap();
}

#[tokio::test]
async fn pings_are_answered_both_ways() {
    let pki = Pki::new("WsPing");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let socket = open(&client, &ws_url(&server, "wss", &format!("/ws/{}", session("ping"))))
        .await
        .unwrap();
    // Ours: answered by the server's pong.
    tokio::time::timeout(Duration::from_secs(5), socket.ping(b"are you there"))
        .await
        .expect("pong within 5 s")
        .unwrap();
    // The server's: answered by ours automatically, which the echo reports as a text message.
    socket.send(Message::Text("ping 42".into())).await.unwrap();
    assert_eq!(socket.receive().await.unwrap(), Some(Message::Text("pong 42".into())));
    assert!(matches!(socket.ping(&[0; 126]).await, Err(Error::InvalidConfig { .. })));
}

#[tokio::test]
async fn cancelling_drops_the_connection_and_fails_the_receive_in_flight() {
    let pki = Pki::new("WsCancel");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let id = session("cancel");
    let socket = std::sync::Arc::new(
        open(&client, &ws_url(&server, "wss", &format!("/ws/{id}")))
            .await
            .unwrap(),
    );
    let waiting = tokio::spawn({
        let socket = socket.clone();
        async move { socket.receive().await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    socket.cancel();
    let received = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(received, Err(Error::Cancelled)), "{received:?}");
    assert!(matches!(
        socket.send(Message::Text("after".into())).await,
        Err(Error::Cancelled)
    ));
    assert_eq!(
        ended(&id).await.as_deref(),
        Some("dropped"),
        "no closing handshake, the TCP ended"
    );
}

#[tokio::test]
async fn dropping_the_socket_drops_the_connection() {
    let pki = Pki::new("WsDrop");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let id = session("drop");
    let socket = open(&client, &ws_url(&server, "wss", &format!("/ws/{id}")))
        .await
        .unwrap();
    drop(socket);
    assert_eq!(ended(&id).await.as_deref(), Some("dropped"));
}

#[tokio::test]
async fn a_connect_in_flight_is_cancelled_by_its_token_and_the_upgrade_wait_is_bounded() {
    let pki = Pki::new("WsStall");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    // `/stall` never answers the upgrade.
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    let request = WebSocketRequest::new(&ws_url(&server, "wss", "/stall")).unwrap();
    let error = client.websocket_cancellable(request, &token).await.unwrap_err();
    assert!(matches!(error, Error::Cancelled), "{error:?}");

    let impatient = builder(&[pki.root.cert()])
        .read_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let error = open(&impatient, &ws_url(&server, "wss", "/stall")).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                kind: TimeoutKind::Read,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn cleartext_follows_the_policy_as_http_does() {
    let pki = Pki::new("WsPlain");
    let plain = TestServer::http("plain").await;
    let id = session("plain");
    let url = ws_url(&plain, "ws", &format!("/ws/{id}"));
    let strict = builder(&[pki.root.cert()]).build().unwrap();
    let error = open(&strict, &url).await.unwrap_err();
    assert!(
        matches!(&error, Error::CleartextNotPermitted { host, url: refused } if host == HOST && *refused == url),
        "{error:?}"
    );

    let permissive = builder(&[pki.root.cert()])
        .policy(Policy::builder().cleartext_default(true).build().unwrap())
        .build()
        .unwrap();
    let socket = open(&permissive, &url).await.expect("permitted cleartext");
    socket.send(Message::Text("plain".into())).await.unwrap();
    assert_eq!(socket.receive().await.unwrap(), Some(Message::Text("plain".into())));
}

#[tokio::test]
async fn a_message_over_the_limit_fails_and_closes_with_1009() {
    let pki = Pki::new("WsBig");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let id = session("big");
    let request = WebSocketRequest::new(&ws_url(&server, "wss", &format!("/ws/{id}")))
        .unwrap()
        .max_message_size(1024);
    let socket = client.websocket(request).await.unwrap();
    socket.send(Message::Text("big 1024".into())).await.unwrap();
    assert_eq!(
        socket.receive().await.unwrap(),
        Some(Message::Binary(vec![b'b'; 1024].into()))
    );
    socket.send(Message::Text("big 1025".into())).await.unwrap();
    let error = socket.receive().await.unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { detail, .. } if detail.contains("1024")),
        "{error:?}"
    );
    assert_eq!(ended(&id).await.as_deref(), Some("closed 1009 message too big"));
    assert_eq!(socket.receive().await.unwrap(), None);
}

#[tokio::test]
async fn a_connection_that_ends_without_a_closing_handshake_is_an_error() {
    let pki = Pki::new("WsReset");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let socket = open(&client, &ws_url(&server, "wss", &format!("/ws/{}", session("reset"))))
        .await
        .unwrap();
    socket.send(Message::Text("drop".into())).await.unwrap();
    let error = socket.receive().await.unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
}

#[tokio::test]
async fn a_refused_upgrade_names_the_status_and_bad_requests_are_refused_before_connecting() {
    let pki = Pki::new("WsRefused");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let error = open(&client, &ws_url(&server, "wss", "/status/403")).await.unwrap_err();
    assert!(
        matches!(&error, Error::Protocol { detail, .. } if detail.contains("403")),
        "{error:?}"
    );

    assert!(matches!(
        WebSocketRequest::new(&url(&server, HOST, "/ws/x")),
        Err(Error::InvalidUrl { .. })
    ));
    let request = WebSocketRequest::new("wss://api.pinwire.test/ws/x").unwrap();
    assert!(matches!(
        request.clone().header("sec-websocket-key", "x"),
        Err(Error::InvalidHeader { .. })
    ));
    assert!(matches!(request.protocol("a b"), Err(Error::InvalidHeader { .. })));
    assert!(CloseFrame::new(1005, "").is_err(), "reserved code");
    assert!(CloseFrame::new(1000, &"x".repeat(124)).is_err(), "reason too long");
}

#[tokio::test]
async fn headers_and_subprotocols_reach_the_server() {
    let pki = Pki::new("WsProto");
    let server = TestServer::https("ws", &pki.leaf).await;
    let client = new_client(&[pki.root.cert()], pinned(HOST, &[pki.leaf_pin()]));
    let request = WebSocketRequest::new(&ws_url(&server, "wss", &format!("/ws/{}", session("proto"))))
        .unwrap()
        .header("authorization", "Bearer t")
        .unwrap()
        .protocol("chat.v2")
        .unwrap()
        .protocol("chat.v1")
        .unwrap();
    let socket = client.websocket(request).await.unwrap();
    assert_eq!(socket.protocol(), Some("chat.v2"));
}

#[tokio::test]
async fn pins_hold_through_a_tunnelling_proxy() {
    let pki = Pki::new("WsTunnel");
    let server = TestServer::https("origin", &pki.leaf).await;
    let hosts = HashMap::from([(HOST.to_string(), server.addr())]);
    let proxy = TestProxy::start(ProxyMode::Tunnel { hosts }).await;
    let client = builder(&[pki.root.cert()])
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .proxy(&proxy.url())
        .build()
        .unwrap();
    let socket = open(&client, &ws_url(&server, "wss", &format!("/ws/{}", session("tunnel"))))
        .await
        .expect("tunnelled");
    socket.send(Message::Text("through".into())).await.unwrap();
    assert_eq!(socket.receive().await.unwrap(), Some(Message::Text("through".into())));
    assert_eq!(proxy.connects(), vec![format!("{HOST}:{}", server.port())]);

    // An intercepting proxy presents its own chain: refused on the pins, as for HTTPS.
    let interceptor = std::sync::Arc::new(Authority::root("Interceptor CA"));
    let intercepting = TestProxy::start(ProxyMode::Intercept {
        ca: interceptor.clone(),
    })
    .await;
    let client = builder(&[pki.root.cert(), interceptor.cert()])
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .proxy(&intercepting.url())
        .build()
        .unwrap();
    let error = open(&client, &ws_url(&server, "wss", "/ws/intercepted"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::PinMismatch(_)), "{error:?}");
}
