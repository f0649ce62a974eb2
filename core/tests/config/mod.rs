//! Tests of `pinwire::config`, with fixtures under `tests/fixtures/`.

mod common;
mod corpus;
mod errors;
mod export;
mod json;
mod limits;
mod nsc;
mod platform;
mod roundtrip;
mod schema;
mod trustkit;
