//! The error that crosses the FFI: one variant per actionable core error, with its fields, and the
//! core's own message in `detail` so every language shows the same text. Mapped in one place, every
//! variant by name: a variant the core adds fails this crate's build instead of reaching Kotlin or Swift
//! as something else.

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TimeoutKind {
    /// Connecting (TCP and TLS).
    Connect,
    /// Waiting for data.
    Read,
    /// The whole call.
    Call,
}

/// Why a certificate was not trusted (the core's reason without its text, which is in the error's `detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UntrustedReason {
    /// Validity period ended.
    Expired,
    /// Validity period not started.
    NotYetValid,
    /// No path to a trusted root.
    UnknownIssuer,
    /// A signature does not verify.
    BadSignature,
    /// Not for this host.
    HostnameMismatch,
    /// Not usable for TLS server authentication.
    NotServerAuth,
    /// Revoked.
    Revoked,
    /// CA used as leaf or leaf as CA.
    WrongRole,
    /// Unparseable or unsupported.
    Malformed,
    /// The platform's own reason.
    Other,
}

/// Every way a Pinwire call fails.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum PinwireError {
    /// The chain was valid, and none of its keys is pinned for the host.
    #[error("{detail}")]
    PinMismatch {
        /// The host.
        host: String,
        /// The port, when known.
        port: Option<u16>,
        /// The pattern of the rule that applied.
        pattern: String,
        /// The pins the rule expects.
        expected_pins: Vec<String>,
        /// The validated chain's pins, leaf first, anchor last.
        chain_pins: Vec<String>,
        /// The validated chain's subjects, in the same order.
        chain_subjects: Vec<String>,
        /// The full message (OkHttp's layout).
        detail: String,
    },
    /// The chain did not validate; pins were not looked at.
    #[error("{detail}")]
    UntrustedCertificate {
        /// The host.
        host: String,
        /// Why.
        reason: UntrustedReason,
        /// The full message.
        detail: String,
    },
    /// The certificate is not valid for this host.
    #[error("{detail}")]
    HostnameMismatch {
        /// The host.
        host: String,
        /// The full message.
        detail: String,
    },
    /// Cleartext HTTP to a host the policy does not allow it to.
    #[error("{detail}")]
    CleartextNotPermitted {
        /// The host.
        host: String,
        /// The URL refused.
        url: String,
        /// The full message.
        detail: String,
    },
    /// A timeout fired.
    #[error("{detail}")]
    Timeout {
        /// Which one.
        kind: TimeoutKind,
        /// The URL.
        url: String,
        /// The full message.
        detail: String,
    },
    /// Could not connect.
    #[error("{detail}")]
    Connect {
        /// The URL.
        url: String,
        /// The full message.
        detail: String,
    },
    /// TLS or HTTP broke mid-exchange.
    #[error("{detail}")]
    Protocol {
        /// The URL.
        url: String,
        /// The full message.
        detail: String,
    },
    /// A compressed body expanded beyond the client's bound when decoded (a decompression bomb).
    #[error("{detail}")]
    DecodedBodyTooLarge {
        /// The URL.
        url: String,
        /// Decoded bytes when the bound was crossed.
        decoded_bytes: u64,
        /// Compressed bytes received by then.
        compressed_bytes: u64,
        /// The full message, with the bound.
        detail: String,
    },
    /// Too many redirects.
    #[error("{detail}")]
    TooManyRedirects {
        /// The last URL.
        url: String,
        /// The limit.
        max: u32,
        /// The full message.
        detail: String,
    },
    /// Invalid client, policy, pin or header configuration.
    #[error("{detail}")]
    InvalidConfig {
        /// What is wrong.
        detail: String,
    },
    /// A malformed URL or unsupported scheme.
    #[error("{detail}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// The full message.
        detail: String,
    },
    /// The call was cancelled.
    #[error("the call was cancelled")]
    Cancelled,
    /// The object was used after `close()`.
    #[error("{what} was used after close()")]
    Closed {
        /// Which object.
        what: String,
    },
    /// A bug: code inside the call panicked. The call failed; it was not cancelled.
    #[error("{detail}")]
    Internal {
        /// The full message, with the panic's.
        detail: String,
    },
}

impl PinwireError {
    /// The error for a task on the bindings' runtime that did not finish: [`PinwireError::Internal`] with
    /// the panic's message when it panicked; [`PinwireError::Cancelled`] when it was cancelled.
    pub(crate) fn from_join_error(error: tokio::task::JoinError) -> PinwireError {
        match error.try_into_panic() {
            Ok(panic) => PinwireError::Internal {
                detail: format!("internal error: {}", pinwire::panic_message(panic.as_ref())),
            },
            Err(_) => PinwireError::Cancelled,
        }
    }
}

impl From<&pinwire::UntrustedReason> for UntrustedReason {
    fn from(reason: &pinwire::UntrustedReason) -> UntrustedReason {
        use pinwire::UntrustedReason as R;
        match reason {
            R::Expired => UntrustedReason::Expired,
            R::NotYetValid => UntrustedReason::NotYetValid,
            R::UnknownIssuer => UntrustedReason::UnknownIssuer,
            R::BadSignature => UntrustedReason::BadSignature,
            R::HostnameMismatch => UntrustedReason::HostnameMismatch,
            R::NotServerAuth => UntrustedReason::NotServerAuth,
            R::Revoked => UntrustedReason::Revoked,
            R::WrongRole => UntrustedReason::WrongRole,
            R::Malformed { .. } => UntrustedReason::Malformed,
            R::Other { .. } => UntrustedReason::Other,
        }
    }
}

impl From<pinwire::TimeoutKind> for TimeoutKind {
    fn from(kind: pinwire::TimeoutKind) -> TimeoutKind {
        match kind {
            pinwire::TimeoutKind::Connect => TimeoutKind::Connect,
            pinwire::TimeoutKind::Read => TimeoutKind::Read,
            pinwire::TimeoutKind::Call => TimeoutKind::Call,
        }
    }
}

impl From<pinwire::Error> for PinwireError {
    fn from(error: pinwire::Error) -> PinwireError {
        use pinwire::Error as E;
        let detail = error.to_string();
        match error {
            E::PinMismatch(m) => PinwireError::PinMismatch {
                host: m.host.clone(),
                port: m.port,
                pattern: m.pattern.clone(),
                expected_pins: m.expected.iter().map(ToString::to_string).collect(),
                chain_pins: m.chain_pins().iter().map(ToString::to_string).collect(),
                chain_subjects: m.chain.certs().iter().map(|c| c.subject().to_string()).collect(),
                detail,
            },
            E::UntrustedCertificate { host, reason } => PinwireError::UntrustedCertificate {
                host,
                reason: (&reason).into(),
                detail,
            },
            E::HostnameMismatch { host } => PinwireError::HostnameMismatch { host, detail },
            E::CleartextNotPermitted { host, url } => PinwireError::CleartextNotPermitted { host, url, detail },
            E::Timeout { kind, url } => PinwireError::Timeout {
                kind: kind.into(),
                url,
                detail,
            },
            E::Connect { url, .. } => PinwireError::Connect { url, detail },
            E::Protocol { url, .. } => PinwireError::Protocol { url, detail },
            E::DecodedBodyTooLarge {
                url,
                decoded,
                compressed,
                ..
            } => PinwireError::DecodedBodyTooLarge {
                url,
                decoded_bytes: decoded,
                compressed_bytes: compressed,
                detail,
            },
            E::TooManyRedirects { url, max } => PinwireError::TooManyRedirects {
                url,
                max: u32::try_from(max).unwrap_or(u32::MAX),
                detail,
            },
            E::InvalidUrl { url, .. } => PinwireError::InvalidUrl { url, detail },
            E::Cancelled => PinwireError::Cancelled,
            E::Internal { .. } => PinwireError::Internal { detail },
            // All are configuration the caller passed; `detail` says which.
            E::InvalidConfig { .. } | E::InvalidPolicy(_) | E::InvalidPin(_) | E::InvalidHeader { .. } => {
                PinwireError::InvalidConfig { detail }
            }
        }
    }
}

impl From<pinwire::PinError> for PinwireError {
    fn from(error: pinwire::PinError) -> PinwireError {
        pinwire::Error::from(error).into()
    }
}

impl From<pinwire::PolicyError> for PinwireError {
    fn from(error: pinwire::PolicyError) -> PinwireError {
        pinwire::Error::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pinwire::UntrustedReason as R;

    #[test]
    fn every_untrusted_reason_keeps_its_name() {
        let detail = || "x".to_string();
        let cases = [
            (R::Expired, UntrustedReason::Expired),
            (R::NotYetValid, UntrustedReason::NotYetValid),
            (R::UnknownIssuer, UntrustedReason::UnknownIssuer),
            (R::BadSignature, UntrustedReason::BadSignature),
            (R::HostnameMismatch, UntrustedReason::HostnameMismatch),
            (R::NotServerAuth, UntrustedReason::NotServerAuth),
            (R::Revoked, UntrustedReason::Revoked),
            (R::WrongRole, UntrustedReason::WrongRole),
            (R::Malformed { detail: detail() }, UntrustedReason::Malformed),
            (R::Other { detail: detail() }, UntrustedReason::Other),
        ];
        for (core, expected) in cases {
            assert_eq!(UntrustedReason::from(&core), expected, "{core:?}");
        }
    }

    #[test]
    fn every_timeout_kind_keeps_its_name() {
        use pinwire::TimeoutKind as K;
        for (core, expected) in [
            (K::Connect, TimeoutKind::Connect),
            (K::Read, TimeoutKind::Read),
            (K::Call, TimeoutKind::Call),
        ] {
            assert_eq!(TimeoutKind::from(core), expected);
        }
    }

    fn mapped(error: pinwire::Error) -> PinwireError {
        error.into()
    }

    #[test]
    fn every_error_maps_to_its_variant_with_the_core_message() {
        use pinwire::Error as E;
        let url = || "https://a.example/".to_string();
        let mismatch = pinwire::PinMismatch {
            host: "a.example".into(),
            port: Some(443),
            pattern: "**.example".into(),
            expected: vec![pinwire::Pin::from_sha256([7; 32])],
            chain: pinwire::ValidatedChain::new(Vec::new()),
        };
        let expected_pin = mismatch.expected[0].to_string();
        match mapped(E::PinMismatch(Box::new(mismatch))) {
            PinwireError::PinMismatch {
                host,
                port,
                pattern,
                expected_pins,
                detail,
                ..
            } => {
                assert_eq!(
                    (host.as_str(), port, pattern.as_str()),
                    ("a.example", Some(443), "**.example")
                );
                assert_eq!(expected_pins, [expected_pin]);
                assert!(detail.starts_with("Certificate pinning failure!"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        let untrusted = E::UntrustedCertificate {
            host: "a.example".into(),
            reason: R::Revoked,
        };
        assert!(matches!(
            mapped(untrusted),
            PinwireError::UntrustedCertificate { reason: UntrustedReason::Revoked, ref detail, .. }
                if detail == "untrusted certificate for a.example: certificate is revoked"
        ));
        assert!(matches!(
            mapped(E::HostnameMismatch { host: "h".into() }),
            PinwireError::HostnameMismatch { ref host, .. } if host == "h"
        ));
        assert!(matches!(
            mapped(E::CleartextNotPermitted { host: "h".into(), url: url() }),
            PinwireError::CleartextNotPermitted { ref url, .. } if url == "https://a.example/"
        ));
        assert!(matches!(
            mapped(E::Timeout { kind: pinwire::TimeoutKind::Read, url: url() }),
            PinwireError::Timeout { kind: TimeoutKind::Read, ref detail, .. } if detail == "read timeout for https://a.example/"
        ));
        assert!(matches!(
            mapped(E::Connect { url: url(), detail: "refused".into() }),
            PinwireError::Connect { ref detail, .. } if detail.ends_with("refused")
        ));
        assert!(matches!(
            mapped(E::Protocol { url: url(), detail: "reset".into() }),
            PinwireError::Protocol { ref detail, .. } if detail.ends_with("reset")
        ));
        assert!(matches!(
            mapped(E::TooManyRedirects {
                url: url(),
                max: usize::MAX
            }),
            PinwireError::TooManyRedirects { max: u32::MAX, .. }
        ));
        assert!(matches!(
            mapped(E::InvalidUrl { url: "x".into(), detail: "no scheme".into() }),
            PinwireError::InvalidUrl { ref url, .. } if url == "x"
        ));
        assert!(matches!(
            mapped(E::DecodedBodyTooLarge { url: url(), decoded: 9, compressed: 1, limit: "8:1".into() }),
            PinwireError::DecodedBodyTooLarge { decoded_bytes: 9, compressed_bytes: 1, ref detail, .. } if detail.contains("8:1")
        ));
        assert!(matches!(mapped(E::Cancelled), PinwireError::Cancelled));
        let config_errors = [
            E::InvalidConfig { detail: "bad".into() },
            E::InvalidPolicy(pinwire::PolicyError::DuplicatePattern {
                pattern: "a.example".into(),
            }),
            E::InvalidPin("md5/x".parse::<pinwire::Pin>().unwrap_err()),
            E::InvalidHeader { detail: "bad".into() },
        ];
        for error in config_errors {
            let text = error.to_string();
            assert!(matches!(mapped(error), PinwireError::InvalidConfig { ref detail } if *detail == text));
        }
    }

    #[test]
    fn a_panicking_task_is_an_internal_error_with_the_panics_message_not_a_cancellation() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let error = runtime
            .block_on(async { tokio::spawn(async { panic!("bug {}", 42) }).await })
            .unwrap_err();
        match PinwireError::from_join_error(error) {
            PinwireError::Internal { detail } => assert_eq!(detail, "internal error: bug 42"),
            other => panic!("expected Internal, got {other:?}"),
        }
        let error = runtime
            .block_on(async {
                let task = tokio::spawn(std::future::pending::<()>());
                task.abort();
                task.await
            })
            .unwrap_err();
        assert!(matches!(PinwireError::from_join_error(error), PinwireError::Cancelled));
    }

    #[test]
    fn the_cores_internal_error_keeps_its_message() {
        let error = PinwireError::from(pinwire::Error::Internal {
            detail: "the request to https://x/ panicked: bug".into(),
        });
        match error {
            PinwireError::Internal { detail } => {
                assert_eq!(detail, "internal error: the request to https://x/ panicked: bug")
            }
            other => panic!("expected Internal, got {other:?}"),
        }
    }
}
