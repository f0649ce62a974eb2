//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libpinwire_ffi.so --language kotlin --out-dir gen`

fn main() {
    uniffi::uniffi_bindgen_main()
}
