//! Pinwire's integration tests: real TLS servers on 127.0.0.1 with certificates generated at test time.

mod common;

mod blocking;
mod compression;
mod configured;
mod cookies;
mod errors;
mod faults;
mod http;
mod inspect;
mod limbo;
mod pinning;
mod proxy;
mod read_ahead;
mod redirects;
mod report;
mod timeouts;
mod trust;
mod updates;
mod updates_client;
mod uploads;
mod websocket;
mod zstd;
