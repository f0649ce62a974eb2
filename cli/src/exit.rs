//! Exit codes, one per kind of failure a script wants to tell apart.

use pinwire::Error;

/// Everything went as asked.
pub const SUCCESS: u8 = 0;
/// Anything not listed below.
pub const OTHER: u8 = 1;
/// Bad arguments or unreadable input (clap also uses 2 for usage errors).
pub const USAGE: u8 = 2;
/// The chain was valid but matched no pin.
pub const PIN_MISMATCH: u8 = 3;
/// The chain did not validate.
pub const UNTRUSTED: u8 = 4;
/// The certificate is not for this host.
pub const HOSTNAME_MISMATCH: u8 = 5;
/// Cleartext HTTP refused by the policy.
pub const CLEARTEXT_REFUSED: u8 = 6;
/// A timeout fired.
pub const TIMEOUT: u8 = 7;
/// The connection could not be made.
pub const CONNECTION_FAILED: u8 = 8;

/// `pinwire check` found something that would break users.
pub const CHECK_FAILED: u8 = 9;

/// A signed pin update was refused (`pinwire update verify`, `pinwire fetch --update`).
pub const UPDATE_REFUSED: u8 = 10;

/// The exit-code table shown in `--help`.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  success
  1  other failure (protocol error, too many redirects, ...)
  2  usage error or unreadable input
  3  pin mismatch: the chain is valid but holds none of the pinned keys
  4  untrusted certificate (expired, unknown issuer, ...)
  5  certificate not valid for the host name
  6  cleartext HTTP refused by the policy
  7  timeout
  8  connection failed
  9  check: the policy would refuse a server, or a server cannot be validated
  10 a signed pin update was refused (update verify, fetch --update)";

/// The exit code for a core error.
pub fn code_for(error: &Error) -> u8 {
    match error {
        Error::PinMismatch(_) => PIN_MISMATCH,
        Error::UntrustedCertificate { .. } => UNTRUSTED,
        Error::HostnameMismatch { .. } => HOSTNAME_MISMATCH,
        Error::CleartextNotPermitted { .. } => CLEARTEXT_REFUSED,
        Error::Timeout { .. } => TIMEOUT,
        Error::Connect { .. } => CONNECTION_FAILED,
        Error::InvalidConfig { .. }
        | Error::InvalidPolicy(_)
        | Error::InvalidPin(_)
        | Error::InvalidUrl { .. }
        | Error::InvalidHeader { .. } => USAGE,
        _ => OTHER,
    }
}
