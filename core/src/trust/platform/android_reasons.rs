//! Why Android refused a chain: maps the exception `X509TrustManagerExtensions.checkServerTrusted`
//! threw (its class and message, and those of its causes) to an [`UntrustedReason`].
//!
//! Kept apart from the JNI code so it is compiled and tested on every host. It only chooses which
//! error to report: it runs after Android has already refused the chain, so nothing here can turn a
//! refusal into an acceptance.

use super::super::UntrustedReason;

/// One throwable of the chain Android threw: the outermost first, then its causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ThrownCause {
    /// The binary class name, e.g. `java.security.cert.CertificateException`.
    pub class_name: String,
    /// `getMessage()`, empty when it was null.
    pub message: String,
}

/// The reason to report for an exception Android threw while validating a chain.
///
/// Class names decide first (they are stable across Android versions), then messages; what cannot be
/// recognised is reported as [`UntrustedReason::Other`] with every class name and message, outermost
/// first, so a developer sees exactly what the platform said.
pub(crate) fn classify(causes: &[ThrownCause]) -> UntrustedReason {
    let has_class = |name: &str| causes.iter().any(|c| c.class_name == name);
    let has_message = |needle: &str| {
        causes
            .iter()
            .any(|c| c.message.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()))
    };

    if has_class("java.security.cert.CertificateExpiredException") {
        return UntrustedReason::Expired;
    }
    if has_class("java.security.cert.CertificateNotYetValidException") {
        return UntrustedReason::NotYetValid;
    }
    // The app's own Network Security Config `<pin-set>` refused the chain
    // (android.security.net.config.NetworkSecurityTrustManager: "Pin verification failed").
    if has_message("Pin verification failed") {
        return UntrustedReason::Other {
            detail: format!(
                "the app's Network Security Config <pin-set> refused the chain ({})",
                describe(causes)
            ),
        };
    }
    // Conscrypt / the PKIX validator: "Trust anchor for certification path not found."
    if has_message("Trust anchor for certification path not found") {
        return UntrustedReason::UnknownIssuer;
    }
    if has_message("hostname") && (has_message("not verified") || has_message("match")) {
        return UntrustedReason::HostnameMismatch;
    }
    if has_message("revoked") {
        return UntrustedReason::Revoked;
    }
    if has_message("extendedKeyUsage") || has_message("extended key usage") {
        return UntrustedReason::NotServerAuth;
    }
    if has_class("java.security.SignatureException") {
        return UntrustedReason::BadSignature;
    }
    if has_class("java.security.cert.CertificateParsingException")
        || has_class("java.security.cert.CertificateEncodingException")
    {
        return UntrustedReason::Malformed {
            detail: describe(causes),
        };
    }
    // Older Android versions put these only in the message of a plain CertificateException.
    if has_message("Certificate expired") || has_message("has expired") {
        return UntrustedReason::Expired;
    }
    if has_message("not yet valid") {
        return UntrustedReason::NotYetValid;
    }
    UntrustedReason::Other {
        detail: format!("Android refused the chain: {}", describe(causes)),
    }
}

/// `Class: message; caused by Class: message`, outermost first.
fn describe(causes: &[ThrownCause]) -> String {
    let parts: Vec<String> = causes
        .iter()
        .map(|c| {
            if c.message.is_empty() {
                c.class_name.clone()
            } else {
                format!("{}: {}", c.class_name, c.message)
            }
        })
        .collect();
    if parts.is_empty() {
        "no exception details".to_string()
    } else {
        parts.join("; caused by ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thrown(list: &[(&str, &str)]) -> Vec<ThrownCause> {
        list.iter()
            .map(|(class_name, message)| ThrownCause {
                class_name: class_name.to_string(),
                message: message.to_string(),
            })
            .collect()
    }

    #[test]
    fn unknown_issuer_from_the_trust_manager_message() {
        // What TrustManagerImpl throws for a private CA or an interception proxy.
        let causes = thrown(&[
            (
                "java.security.cert.CertificateException",
                "java.security.cert.CertPathValidatorException: Trust anchor for certification path not found.",
            ),
            (
                "java.security.cert.CertPathValidatorException",
                "Trust anchor for certification path not found.",
            ),
        ]);
        assert_eq!(classify(&causes), UntrustedReason::UnknownIssuer);
    }

    #[test]
    fn expiry_and_not_yet_valid_from_the_cause_class() {
        let expired = thrown(&[
            (
                "java.security.cert.CertificateException",
                "java.security.cert.CertPathValidatorException: timestamp check failed",
            ),
            (
                "java.security.cert.CertPathValidatorException",
                "timestamp check failed",
            ),
            (
                "java.security.cert.CertificateExpiredException",
                "Certificate expired at Mon Jan 01 00:00:00 GMT 2024 (compared to ...)",
            ),
        ]);
        assert_eq!(classify(&expired), UntrustedReason::Expired);
        let early = thrown(&[
            ("java.security.cert.CertificateException", "timestamp check failed"),
            (
                "java.security.cert.CertificateNotYetValidException",
                "Certificate not valid until ...",
            ),
        ]);
        assert_eq!(classify(&early), UntrustedReason::NotYetValid);
    }

    #[test]
    fn expiry_from_the_message_alone() {
        let causes = thrown(&[(
            "java.security.cert.CertificateException",
            "Could not validate certificate: Certificate expired at ...",
        )]);
        assert_eq!(classify(&causes), UntrustedReason::Expired);
    }

    #[test]
    fn nsc_pin_set_failure_is_named_as_such() {
        let causes = thrown(&[("java.security.cert.CertificateException", "Pin verification failed")]);
        match classify(&causes) {
            UntrustedReason::Other { detail } => {
                assert!(detail.contains("Network Security Config"), "{detail}");
                assert!(detail.contains("Pin verification failed"), "{detail}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hostname_revocation_usage_signature_parsing() {
        let host = thrown(&[(
            "java.security.cert.CertificateException",
            "Hostname api.example.com not verified",
        )]);
        assert_eq!(classify(&host), UntrustedReason::HostnameMismatch);
        let revoked = thrown(&[(
            "java.security.cert.CertificateException",
            "Certificate has been revoked",
        )]);
        assert_eq!(classify(&revoked), UntrustedReason::Revoked);
        let eku = thrown(&[(
            "java.security.cert.CertificateException",
            "End-entity certificate does not have a valid extendedKeyUsage.",
        )]);
        assert_eq!(classify(&eku), UntrustedReason::NotServerAuth);
        let signature = thrown(&[
            ("java.security.cert.CertificateException", "verification failed"),
            ("java.security.SignatureException", "Signature does not match."),
        ]);
        assert_eq!(classify(&signature), UntrustedReason::BadSignature);
        let parsing = thrown(&[("java.security.cert.CertificateParsingException", "bad tag")]);
        assert!(matches!(classify(&parsing), UntrustedReason::Malformed { .. }));
    }

    #[test]
    fn anything_else_keeps_the_platforms_words() {
        let causes = thrown(&[
            ("java.lang.IllegalArgumentException", "weird"),
            ("java.lang.NullPointerException", ""),
        ]);
        assert_eq!(
            classify(&causes),
            UntrustedReason::Other {
                detail: "Android refused the chain: java.lang.IllegalArgumentException: weird; caused by java.lang.NullPointerException".into()
            }
        );
        assert!(matches!(classify(&[]), UntrustedReason::Other { .. }));
    }
}
