//! Host names and host patterns.
//!
//! Hosts are compared in one canonical form: ASCII lower case, IDN labels in punycode (`xn--`), no
//! trailing dot; IP addresses in their standard text form without brackets.

use std::fmt;
use std::net::IpAddr;

/// Why a host or pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// Empty, or not a valid DNS name or IP address after IDN processing.
    #[error("{input:?} is not a valid host name")]
    InvalidHost {
        /// The text that was given.
        input: String,
    },
    /// A wildcard somewhere other than a leading `*.` or `**.` label, or on an IP address.
    #[error("{input:?} is not a valid host pattern: wildcards are only allowed as a leading `*.` or `**.`")]
    InvalidPattern {
        /// The text that was given.
        input: String,
    },
    /// A wildcard directly over a single label such as `*.com`: that would pin a whole top-level domain.
    #[error("{input:?} would pin every name under a top-level domain")]
    TooBroad {
        /// The text that was given.
        input: String,
    },
}

/// A host in canonical form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Host(String);

impl Host {
    /// Normalises `input`: case folded, trailing dot removed, IDN converted to punycode, IP literals
    /// (with or without brackets) in standard form.
    pub fn parse(input: &str) -> Result<Host, HostError> {
        let invalid = || HostError::InvalidHost {
            input: input.to_string(),
        };
        let trimmed = input.trim();
        let unbracketed = trimmed
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(trimmed);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(Host(ip.to_string()));
        }
        let without_dot = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if without_dot.is_empty() || without_dot.contains('*') {
            return Err(invalid());
        }
        let ascii = idna::domain_to_ascii_strict(without_dot).map_err(|_| invalid())?;
        if ascii.is_empty() || ascii.split('.').any(|label| label.is_empty()) {
            return Err(invalid());
        }
        Ok(Host(ascii))
    }

    /// Whether `input` is already a canonical DNS name that [`Host::parse`] would accept unchanged:
    /// lower-case ASCII letters, digits and hyphens in labels of 1 to 63 characters that neither start
    /// nor end with a hyphen nor have hyphens in their 3rd and 4th places (`xn--` labels need IDNA's
    /// checks), 253 characters at most. A cheap test for hot paths; `false` means "parse it", not
    /// "invalid".
    pub fn is_plain_dns_name(input: &str) -> bool {
        input.len() <= 253
            && input.split('.').all(|label| {
                let bytes = label.as_bytes();
                !bytes.is_empty()
                    && bytes.len() <= 63
                    && bytes[0] != b'-'
                    && bytes[bytes.len() - 1] != b'-'
                    && bytes.get(2..4) != Some(b"--")
                    && bytes
                        .iter()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            })
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this host is an IP address.
    pub fn is_ip(&self) -> bool {
        self.0.parse::<IpAddr>().is_ok()
    }

    fn label_count(&self) -> usize {
        self.0.split('.').count()
    }

    /// Whether `self` is a strict subdomain of `parent` (`a.b.example.com` of `example.com`), returning
    /// how many labels deeper it is.
    fn depth_below(&self, parent: &Host) -> Option<usize> {
        if self.is_ip() || parent.is_ip() {
            return None;
        }
        let prefix = self.0.strip_suffix(parent.0.as_str())?.strip_suffix('.')?;
        (!prefix.is_empty()).then(|| prefix.split('.').count())
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// How a pattern's base name is extended to other hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PatternKind {
    /// `example.com`: that host only (plus subdomains with `include_subdomains`).
    Exact,
    /// `*.example.com`: exactly one more label (`api.example.com`, not `example.com` nor `a.b.example.com`).
    OneLabel,
    /// `**.example.com`: any number of labels, including none (OkHttp 4's semantics).
    AnyDepth,
}

/// A host pattern as written in a pin configuration: `example.com`, `*.example.com` or `**.example.com`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostPattern {
    kind: PatternKind,
    base: Host,
}

impl HostPattern {
    /// Parses a pattern. Wildcards are allowed only as the leading label and never on IP addresses or
    /// directly over a single-label name such as `*.com`.
    pub fn parse(input: &str) -> Result<HostPattern, HostError> {
        let trimmed = input.trim();
        let (kind, rest) = if let Some(rest) = trimmed.strip_prefix("**.") {
            (PatternKind::AnyDepth, rest)
        } else if let Some(rest) = trimmed.strip_prefix("*.") {
            (PatternKind::OneLabel, rest)
        } else {
            (PatternKind::Exact, trimmed)
        };
        if rest.contains('*') {
            return Err(HostError::InvalidPattern {
                input: input.to_string(),
            });
        }
        let base = Host::parse(rest).map_err(|_| match kind {
            PatternKind::Exact => HostError::InvalidHost {
                input: input.to_string(),
            },
            _ => HostError::InvalidPattern {
                input: input.to_string(),
            },
        })?;
        if kind != PatternKind::Exact {
            if base.is_ip() {
                return Err(HostError::InvalidPattern {
                    input: input.to_string(),
                });
            }
            if base.label_count() < 2 {
                return Err(HostError::TooBroad {
                    input: input.to_string(),
                });
            }
        }
        Ok(HostPattern { kind, base })
    }

    /// An exact pattern for `host`.
    pub fn exact(host: Host) -> HostPattern {
        HostPattern {
            kind: PatternKind::Exact,
            base: host,
        }
    }

    /// The kind of pattern.
    pub fn kind(&self) -> PatternKind {
        self.kind
    }

    /// The name after the wildcard (or the host itself).
    pub fn base(&self) -> &Host {
        &self.base
    }

    /// Whether `host` matches this pattern, with `include_subdomains` extending it to every subdomain of
    /// the names it matches.
    pub fn matches(&self, host: &Host, include_subdomains: bool) -> bool {
        let depth = if *host == self.base {
            Some(0)
        } else {
            host.depth_below(&self.base)
        };
        let Some(depth) = depth else { return false };
        match (self.kind, include_subdomains) {
            (PatternKind::Exact, false) => depth == 0,
            (PatternKind::Exact, true) => true,
            (PatternKind::OneLabel, false) => depth == 1,
            (PatternKind::OneLabel, true) => depth >= 1,
            (PatternKind::AnyDepth, _) => true,
        }
    }

    /// How specific a match of this pattern is; the most specific matching rule wins. An exact hit
    /// beats everything, then a longer base name, then the narrower kind (exact, `*.`, `**.`).
    pub(crate) fn specificity(&self, host: &Host) -> (bool, usize, u8) {
        let exact_hit = self.kind == PatternKind::Exact && *host == self.base;
        let kind_rank = match self.kind {
            PatternKind::Exact => 2,
            PatternKind::OneLabel => 1,
            PatternKind::AnyDepth => 0,
        };
        (exact_hit, self.base.label_count(), kind_rank)
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PatternKind::Exact => write!(f, "{}", self.base),
            PatternKind::OneLabel => write!(f, "*.{}", self.base),
            PatternKind::AnyDepth => write!(f, "**.{}", self.base),
        }
    }
}

impl fmt::Debug for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dns_names_are_what_parse_leaves_unchanged() {
        for name in ["example.com", "a.b-c.d0", "127.0.0.1", &"a".repeat(63)] {
            assert!(Host::is_plain_dns_name(name), "{name}");
            assert_eq!(Host::parse(name).unwrap().as_str(), name);
        }
        for name in [
            "",
            "Example.com",
            "under_score.test",
            "-a.test",
            "a-.test",
            "a..test",
            "a.test.",
            "ab--c.test",
            "xn--bcher-kva.test",
            "bücher.test",
            "[::1]",
            &"a".repeat(64),
        ] {
            assert!(!Host::is_plain_dns_name(name), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_plain_dns_name_parses_to_itself(name in "[a-z0-9-]{1,12}(\\.[a-z0-9-]{1,12}){0,3}") {
            if Host::is_plain_dns_name(&name) {
                proptest::prop_assert_eq!(Host::parse(&name).map(|h| h.as_str().to_string()), Ok(name.clone()));
            }
        }
    }

    fn h(s: &str) -> Host {
        Host::parse(s).unwrap()
    }

    #[test]
    fn normalises_hosts() {
        assert_eq!(h("API.Example.COM.").as_str(), "api.example.com");
        assert_eq!(h("bücher.example").as_str(), "xn--bcher-kva.example");
        assert_eq!(h("[::1]").as_str(), "::1");
        assert_eq!(h("127.0.0.1").as_str(), "127.0.0.1");
        assert_eq!(h("0:0:0:0:0:0:0:1").as_str(), "::1");
        for bad in ["", ".", "a..b", "*.example.com", "exa mple.com", "a/b"] {
            assert!(Host::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn pattern_kinds_match_as_documented() {
        let exact = HostPattern::parse("example.com").unwrap();
        let one = HostPattern::parse("*.example.com").unwrap();
        let any = HostPattern::parse("**.example.com").unwrap();
        let cases = [
            // host, exact, exact+subdomains, one, one+subdomains, any
            ("example.com", [true, true, false, false, true]),
            ("api.example.com", [false, true, true, true, true]),
            ("a.b.example.com", [false, true, false, true, true]),
            ("notexample.com", [false, false, false, false, false]),
            ("example.com.evil.net", [false, false, false, false, false]),
            ("com", [false, false, false, false, false]),
        ];
        for (host, expected) in cases {
            let host = h(host);
            let got = [
                exact.matches(&host, false),
                exact.matches(&host, true),
                one.matches(&host, false),
                one.matches(&host, true),
                any.matches(&host, false),
            ];
            assert_eq!(got, expected, "{host}");
        }
    }

    #[test]
    fn refuses_bad_patterns() {
        for bad in [
            "*.com",
            "**.com",
            "a.*.example.com",
            "*example.com",
            "*.127.0.0.1",
            "***.example.com",
            "*",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(
            HostPattern::parse("*.Bücher.Example.").unwrap().to_string(),
            "*.xn--bcher-kva.example"
        );
    }
}
