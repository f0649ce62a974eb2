//! Pinwire's integration tests: real TLS servers on 127.0.0.1 with certificates generated at test time.

mod common;

mod configured;
mod errors;
mod http;
mod inspect;
mod pinning;
mod proxy;
mod redirects;
mod report;
mod timeouts;
mod trust;
mod updates;
mod updates_client;
