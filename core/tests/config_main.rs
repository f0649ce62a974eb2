//! Pin configuration import and export: one test binary, modules under `tests/config/`.

mod config;
