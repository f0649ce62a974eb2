//! Routes for upload tests: they read request bodies as they stream in and answer with what they saw,
//! never echoing the body back (an upload of hundreds of MiB stays cheap to check).
//!
//! - `/upload/digest`: reads the body and answers JSON `{"length", "sha256" (hex), "content_length"
//!   (the header, or null), "chunked" (whether it came with `Transfer-Encoding: chunked`), "version"}`
//! - `/upload/multipart`: parses a `multipart/form-data` body with `multer` and answers JSON
//!   `{"parts": [{"name", "filename", "content_type", "length", "sha256", "text"}]}` (`text` for parts of
//!   up to 4 KiB of UTF-8), or `400` with the parser's message
//! - `/upload/early`: answers `413` with JSON `{"error"}` at once, before reading any of the body, and
//!   keeps the body unread (the connection open, its buffers filling) for [`EARLY_HOLD`]: a client whose
//!   writer waited for the server to read would wait that long

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{combinators::BoxBody, BodyDataStream, BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};
use std::convert::Infallible;

type Body = BoxBody<Bytes, Infallible>;

/// How long `/upload/early` keeps the body it never reads: longer than any test waits for a call.
const EARLY_HOLD: std::time::Duration = std::time::Duration::from_secs(60);

fn answer(status: StatusCode, body: Value) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(body.to_string()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

fn hex(digest: ring::digest::Digest) -> String {
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The upload routes; `parts` is the path split at `/`, starting with `upload`.
pub(crate) async fn route(parts: &[&str], req: Request<Incoming>) -> Response<Body> {
    match parts {
        ["upload", "digest"] => digest(req).await,
        ["upload", "multipart"] => multipart(req).await,
        ["upload", "early"] => early(req),
        _ => answer(StatusCode::NOT_FOUND, json!({ "error": "no such upload route" })),
    }
}

async fn digest(req: Request<Incoming>) -> Response<Body> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_length = header("content-length");
    let chunked = header("transfer-encoding").is_some_and(|t| t.contains("chunked"));
    let version = format!("{:?}", req.version());
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut length = 0u64;
    let mut body = BodyDataStream::new(req.into_body());
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => {
                length += chunk.len() as u64;
                context.update(&chunk);
            }
            Err(e) => {
                return answer(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": e.to_string(), "length": length }),
                )
            }
        }
    }
    answer(
        StatusCode::OK,
        json!({
            "length": length,
            "sha256": hex(context.finish()),
            "content_length": content_length,
            "chunked": chunked,
            "version": version,
        }),
    )
}

fn early(req: Request<Incoming>) -> Response<Body> {
    let body = req.into_body();
    // Held, not dropped: dropping it would let the server close the connection (or reset the stream),
    // which ends the client's writes by itself.
    tokio::spawn(async move {
        tokio::time::sleep(EARLY_HOLD).await;
        drop(body);
    });
    answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({ "error": "answered before reading the body" }),
    )
}

async fn multipart(req: Request<Incoming>) -> Response<Body> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = match multer::parse_boundary(content_type) {
        Ok(boundary) => boundary,
        Err(e) => return answer(StatusCode::BAD_REQUEST, json!({ "error": e.to_string() })),
    };
    let mut form = multer::Multipart::new(BodyDataStream::new(req.into_body()), boundary);
    let mut parts = Vec::new();
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return answer(StatusCode::BAD_REQUEST, json!({ "error": e.to_string() })),
        };
        let name = field.name().map(str::to_string);
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(ToString::to_string);
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        let mut length = 0u64;
        let mut start = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    length += chunk.len() as u64;
                    context.update(&chunk);
                    if start.len() <= 4096 {
                        start.extend_from_slice(&chunk[..chunk.len().min(4097 - start.len())]);
                    }
                }
                Ok(None) => break,
                Err(e) => return answer(StatusCode::BAD_REQUEST, json!({ "error": e.to_string() })),
            }
        }
        let text = (start.len() <= 4096).then(|| String::from_utf8(start).ok()).flatten();
        parts.push(json!({
            "name": name,
            "filename": filename,
            "content_type": content_type,
            "length": length,
            "sha256": hex(context.finish()),
            "text": text,
        }));
    }
    answer(StatusCode::OK, json!({ "parts": parts }))
}
