//! A cancellation token for callers whose cancellation does not drop the Rust future (Swift tasks).

use std::sync::Arc;

/// Cancels the calls it is passed to.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancellationToken {
    pub(crate) inner: pinwire::CancellationToken,
}

#[uniffi::export]
impl CancellationToken {
    /// A token that is not cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancellationToken::default())
    }

    /// Cancels every call using this token; calls in flight end with `PinwireError::Cancelled`.
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
}
