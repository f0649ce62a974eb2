//! Trust as a configuration file describes it: per-host anchor sets (NSC `trust-anchors` in
//! `base-config` and `domain-config`), debug-only anchors, and `overridePins`.

use super::{platform_validator, ChainValidator, PresentedChain, UntrustedReason, ValidatedChain, WebPkiValidator};
use crate::config::{AnchorSource, PinConfig, TrustAnchor, TrustConfig};
use crate::error::Error;
use crate::host::{Host, HostPattern};
use std::sync::Arc;

/// One anchor source turned into a validator.
#[derive(Debug)]
struct Alternative {
    validator: Arc<dyn ChainValidator>,
    overrides_pins: bool,
}

/// The anchors of one host pattern (or the base set).
#[derive(Debug)]
struct AnchorSet {
    scope: Option<(HostPattern, bool)>,
    alternatives: Vec<Alternative>,
}

/// Validates each host against the anchors its configuration names. A chain is accepted when one of
/// the host's anchor sources validates it; if that source has `overridePins`, the path says so and the
/// pins are not enforced for it.
#[derive(Debug)]
pub struct ConfiguredTrust {
    sets: Vec<AnchorSet>,
}

fn alternatives(anchors: &[&TrustAnchor]) -> Result<Vec<Alternative>, Error> {
    let mut out = Vec::new();
    for anchor in anchors {
        let validator: Arc<dyn ChainValidator> = match &anchor.source {
            AnchorSource::System => platform_validator(&[])?,
            // Outside Android there is no separate store of user-added CAs: such an anchor adds nothing
            // (trusting fewer CAs is never weaker).
            AnchorSource::User if !cfg!(target_os = "android") => continue,
            AnchorSource::User => platform_validator(&[])?,
            AnchorSource::Bundled { name, certificates } => Arc::new(
                WebPkiValidator::new(certificates.clone()).map_err(|e| Error::InvalidConfig {
                    detail: format!("@raw/{name}: {e}"),
                })?,
            ),
        };
        let overrides_pins = anchor.override_pins && override_is_sound(&anchor.source, cfg!(target_os = "android"));
        out.push(Alternative {
            validator,
            overrides_pins,
        });
    }
    Ok(out)
}

/// Whether a chain validated for `source` really ends at one of that source's CAs, so that its
/// `overridePins` may apply. Bundled anchors are validated against exactly their certificates, and the
/// system store outside Android is exactly the system's roots. On Android, `System` and `User` are both
/// validated by the platform, which applies the app's whole Network Security Config (system, user and
/// bundled CAs alike): a chain it accepts may end anywhere, so overriding pins there would let any
/// trusted chain skip them. There, those anchors keep the pins (stricter, never weaker).
fn override_is_sound(source: &AnchorSource, android: bool) -> bool {
    match source {
        AnchorSource::Bundled { .. } => true,
        AnchorSource::System => !android,
        AnchorSource::User => false,
    }
}

impl ConfiguredTrust {
    /// The trust `config` describes; debug-only anchors count when `debuggable`.
    pub fn new(config: &PinConfig, debuggable: bool) -> Result<ConfiguredTrust, Error> {
        let trust: &TrustConfig = config.trust();
        fn with_debug<'a>(
            anchors: &'a [TrustAnchor],
            debug: &'a [TrustAnchor],
            debuggable: bool,
        ) -> Vec<&'a TrustAnchor> {
            let mut all: Vec<&TrustAnchor> = anchors.iter().collect();
            if debuggable {
                all.extend(debug.iter());
            }
            all
        }
        let mut sets = vec![AnchorSet {
            scope: None,
            alternatives: alternatives(&with_debug(&trust.base, &trust.debug, debuggable))?,
        }];
        for domain in &trust.domains {
            sets.push(AnchorSet {
                scope: Some((domain.pattern.clone(), domain.include_subdomains)),
                alternatives: alternatives(&with_debug(&domain.anchors, &trust.debug, debuggable))?,
            });
        }
        Ok(ConfiguredTrust { sets })
    }

    fn set_for(&self, host: &Host) -> &AnchorSet {
        self.sets
            .iter()
            .filter_map(|set| match &set.scope {
                Some((pattern, subdomains)) if pattern.matches(host, *subdomains) => {
                    Some((pattern.specificity(host), set))
                }
                _ => None,
            })
            .max_by_key(|(specificity, _)| *specificity)
            .map(|(_, set)| set)
            .unwrap_or(&self.sets[0])
    }
}

impl ChainValidator for ConfiguredTrust {
    fn validate(
        &self,
        presented: &PresentedChain<'_>,
        prefer: &dyn Fn(&ValidatedChain) -> bool,
    ) -> Result<ValidatedChain, UntrustedReason> {
        let host = Host::parse(&presented.server_name.to_str()).map_err(|_| UntrustedReason::HostnameMismatch)?;
        let set = self.set_for(&host);
        let mut first_valid = None;
        let mut first_error = None;
        for alternative in &set.alternatives {
            match alternative.validator.validate(presented, prefer) {
                Ok(chain) => {
                    let chain = if alternative.overrides_pins {
                        chain.with_overrides_pins()
                    } else {
                        chain
                    };
                    if chain.overrides_pins() || prefer(&chain) {
                        return Ok(chain);
                    }
                    first_valid.get_or_insert(chain);
                }
                Err(reason) => {
                    first_error.get_or_insert(reason);
                }
            }
        }
        match (first_valid, first_error) {
            (Some(chain), _) => Ok(chain),
            (None, Some(reason)) => Err(reason),
            (None, None) => Err(UntrustedReason::Other {
                detail: format!("no trust anchors are configured for {host}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_only_where_the_anchor_is_known() {
        let bundled = AnchorSource::Bundled {
            name: "ca".into(),
            certificates: Vec::new(),
        };
        assert!(override_is_sound(&bundled, true) && override_is_sound(&bundled, false));
        assert!(override_is_sound(&AnchorSource::System, false));
        assert!(!override_is_sound(&AnchorSource::System, true));
        assert!(!override_is_sound(&AnchorSource::User, true) && !override_is_sound(&AnchorSource::User, false));
    }
}
