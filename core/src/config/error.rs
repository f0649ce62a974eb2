//! Errors and warnings of an import, and the error of an export.

use super::Position;
use crate::host::HostError;
use crate::pin::PinError;
use crate::policy::PolicyError;
use std::fmt;

/// Why a configuration file was refused: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {kind}")]
pub struct ConfigError {
    /// The file name the caller gave (or the path that was read).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

impl ConfigError {
    /// The position as one value.
    pub fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }
}

/// What is wrong in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The text is not well-formed JSON, XML or plist.
    #[error("not well-formed {format}: {message}")]
    Syntax {
        /// `JSON`, `XML` or `plist`.
        format: &'static str,
        /// What the parser said.
        message: String,
    },
    /// The structure is wrong: an element or key in the wrong place, a value of the wrong type or out of
    /// its allowed set.
    #[error("{0}")]
    Invalid(String),
    /// Something required is missing.
    #[error("missing {0}")]
    Missing(String),
    /// Something that may appear once appears again.
    #[error("{0}")]
    Duplicate(String),
    /// A pin is not valid.
    #[error(transparent)]
    Pin(PinError),
    /// A host or pattern is not valid.
    #[error(transparent)]
    Host(HostError),
    /// The rules do not make a valid policy (too few pins, a pattern configured twice).
    #[error(transparent)]
    Policy(PolicyError),
    /// A pin set with fewer pins than the format requires (a backup pin).
    #[error("{pattern} has {count} pin(s); at least 2 are required, a backup pin that keeps the app connecting when the key changes ({hint})")]
    TooFewPins {
        /// The rule, as written.
        pattern: String,
        /// How many pins it has.
        count: usize,
        /// How the file, the command line or the Kotlin/Swift API can allow a single pin.
        hint: &'static str,
    },
    /// A pin digest other than SHA-256.
    #[error("unsupported pin digest {digest:?}: only SHA-256 is supported")]
    UnsupportedDigest {
        /// The digest attribute as written.
        digest: String,
    },
    /// A date that is not `yyyy-MM-dd` (or, in Pinwire JSON, an RFC 3339 instant).
    #[error("invalid date {value:?}: expected {expected}")]
    InvalidDate {
        /// The text as written.
        value: String,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A rule that would pin every name under a public suffix such as `com` or `co.uk`.
    #[error("{pattern} would pin every name under the public suffix {suffix}")]
    PublicSuffix {
        /// The pattern as written.
        pattern: String,
        /// The public suffix it covers.
        suffix: String,
    },
    /// A certificate resource (`@raw/name`, a bundled PEM) is missing or not a certificate.
    #[error("certificate resource {name:?}: {reason}")]
    Resource {
        /// The resource name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// The file is larger than [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
    #[error("the file is {size} bytes, over the {limit}-byte limit for configuration files")]
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A document type declaration the format does not allow: any in Android's XML formats, and in a
    /// plist anything but Apple's standard one without an internal subset. Refused because a DTD is
    /// what lets a small file declare entities that expand to gigabytes.
    #[error("{0}")]
    Doctype(String),
    /// The file could not be read.
    #[error("cannot read the file: {reason}")]
    Io {
        /// What the OS said.
        reason: String,
    },
}

/// Something in a file that was understood but not used, or not understood at all; the configuration
/// was loaded without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What was ignored, and why.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: warning: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// The warnings of one import, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings(pub(crate) Vec<Warning>);

impl Warnings {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The warnings.
    pub fn iter(&self) -> std::slice::Iter<'_, Warning> {
        self.0.iter()
    }

    /// The warnings as a slice.
    pub fn as_slice(&self) -> &[Warning] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Warnings {
    type Item = &'a Warning;
    type IntoIter = std::slice::Iter<'a, Warning>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Why a configuration cannot be written in a format without changing what it enforces.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot export to {format}: {reason}")]
pub struct ExportError {
    /// The target format.
    pub format: &'static str,
    /// What cannot be expressed.
    pub reason: String,
}
