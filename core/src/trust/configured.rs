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
        let overrides_pins = match plan(anchor, TrustPlatform::CURRENT) {
            Plan::Skip => continue,
            Plan::Refuse(detail) => return Err(Error::InvalidConfig { detail }),
            Plan::Use { overrides_pins } => overrides_pins,
        };
        let validator: Arc<dyn ChainValidator> = match &anchor.source {
            AnchorSource::System | AnchorSource::User => platform_validator(&[])?,
            AnchorSource::Bundled { name, certificates } => Arc::new(
                WebPkiValidator::new(certificates.clone()).map_err(|e| Error::InvalidConfig {
                    detail: format!("@raw/{name}: {e}"),
                })?,
            ),
        };
        out.push(Alternative {
            validator,
            overrides_pins,
        });
    }
    Ok(out)
}

/// Whose platform trust a `system` or `user` anchor is checked with: it decides what those anchors can
/// mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TrustPlatform {
    /// Android's trust manager, which applies the app's whole Network Security Config.
    Android,
    /// `SecTrust`, which also trusts roots a user or a device-management profile installed.
    Apple,
    /// The OS store read directly: exactly its roots.
    Other,
}

impl TrustPlatform {
    /// The platform this build validates with (the desktop JVM test of the Android validator counts as
    /// Android).
    const CURRENT: TrustPlatform = if cfg!(any(target_os = "android", feature = "android-jvm-test")) {
        TrustPlatform::Android
    } else if cfg!(target_vendor = "apple") {
        TrustPlatform::Apple
    } else {
        TrustPlatform::Other
    };
}

/// What one configured anchor becomes on a platform.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// Validate with it; `overrides_pins` when a chain it accepts skips the pins.
    Use { overrides_pins: bool },
    /// Leave it out: it adds nothing here (trusting fewer CAs is never weaker).
    Skip,
    /// Refuse the configuration: it cannot mean here what it says.
    Refuse(String),
}

/// On Android, platform trust is the app's Network Security Config as a whole: it cannot be narrowed to
/// the system's or the user's CAs, so a `system` or `user` anchor would silently mean "whatever the app's
/// NSC trusts".
const ANDROID_SYSTEM_OR_USER: &str = "on Android, a \"system\" or \"user\" trust anchor in a Pinwire \
     configuration cannot be honoured: Android's platform trust is the app's whole Network Security Config \
     (system, user and bundled CAs as res/xml/network_security_config.xml declares them) and cannot be narrowed \
     to one store. Declare these trust anchors in the app's Network Security Config and give Pinwire a \
     configuration without them (it then uses platform trust), or use only bundled anchors";

/// What `anchor` becomes on `platform`.
///
/// `overridePins` applies only where a chain validated for the anchor provably ends at one of its CAs:
/// bundled anchors (validated against exactly their certificates) everywhere, and the system store where
/// it is read directly. Apple's `SecTrust` also trusts roots a user or an MDM profile installed, so a
/// `system` anchor there keeps the pins enforced (the configuration warns about it at load); Android
/// refuses `system` and `user` anchors outright (see [`ANDROID_SYSTEM_OR_USER`]).
fn plan(anchor: &TrustAnchor, platform: TrustPlatform) -> Plan {
    match (&anchor.source, platform) {
        (AnchorSource::Bundled { .. }, _) => Plan::Use {
            overrides_pins: anchor.override_pins,
        },
        (AnchorSource::System | AnchorSource::User, TrustPlatform::Android) => {
            Plan::Refuse(ANDROID_SYSTEM_OR_USER.to_string())
        }
        (AnchorSource::System, TrustPlatform::Apple) => Plan::Use { overrides_pins: false },
        (AnchorSource::System, TrustPlatform::Other) => Plan::Use {
            overrides_pins: anchor.override_pins,
        },
        // Outside Android there is no separate store of user-added CAs to validate against.
        (AnchorSource::User, TrustPlatform::Apple | TrustPlatform::Other) => Plan::Skip,
    }
}

/// The load-time warning for a `system` anchor with `overridePins`: on Apple platforms (and Android) the
/// pins stay enforced, see [`plan`].
pub(crate) const SYSTEM_OVERRIDE_PINS_WARNING: &str = "overridePins on the \"system\" trust anchor is not \
     applied on Apple platforms, whose platform trust (SecTrust) also accepts roots a user or a \
     device-management profile installed: pins stay enforced there (on Android, Pinwire refuses \"system\" \
     anchors; only where the system store is read directly does a chain to a system CA skip the pins)";

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

    fn may_block(&self) -> bool {
        self.sets
            .iter()
            .flat_map(|set| &set.alternatives)
            .any(|alternative| alternative.validator.may_block())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(source: AnchorSource, override_pins: bool) -> TrustAnchor {
        TrustAnchor { source, override_pins }
    }

    fn bundled() -> AnchorSource {
        AnchorSource::Bundled {
            name: "ca".into(),
            certificates: Vec::new(),
        }
    }

    #[test]
    fn overrides_apply_only_where_the_anchor_is_known() {
        use TrustPlatform::*;
        for platform in [Android, Apple, Other] {
            assert_eq!(
                plan(&anchor(bundled(), true), platform),
                Plan::Use { overrides_pins: true }
            );
            assert_eq!(
                plan(&anchor(bundled(), false), platform),
                Plan::Use { overrides_pins: false }
            );
        }
        assert_eq!(
            plan(&anchor(AnchorSource::System, true), Other),
            Plan::Use { overrides_pins: true }
        );
        assert_eq!(plan(&anchor(AnchorSource::User, true), Other), Plan::Skip);
        assert_eq!(plan(&anchor(AnchorSource::User, true), Apple), Plan::Skip);
    }

    #[test]
    fn system_with_override_pins_keeps_the_pins_enforced_on_apple() {
        // SecTrust also trusts user- and MDM-installed roots: "system" is not provably the preinstalled store.
        assert_eq!(
            plan(&anchor(AnchorSource::System, true), TrustPlatform::Apple),
            Plan::Use { overrides_pins: false }
        );
        assert_eq!(
            plan(&anchor(AnchorSource::System, false), TrustPlatform::Apple),
            Plan::Use { overrides_pins: false }
        );
    }

    #[test]
    fn system_and_user_anchors_are_refused_on_android_with_what_to_do_instead() {
        for source in [AnchorSource::System, AnchorSource::User] {
            for override_pins in [false, true] {
                match plan(&anchor(source.clone(), override_pins), TrustPlatform::Android) {
                    Plan::Refuse(detail) => {
                        assert!(detail.contains("Network Security Config"), "{detail}");
                        assert!(detail.contains("only bundled anchors"), "{detail}");
                    }
                    other => panic!("{source:?}: expected a refusal, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn system_with_override_pins_is_a_warning_at_load_in_both_formats() {
        let json = r#"{ "version": 1, "trust_anchors": [{ "source": "system", "override_pins": true }] }"#;
        let config = PinConfig::from_json(json, "pinwire.json").unwrap();
        let warnings: Vec<String> = config.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("pinwire.json:1:"), "{warnings:?}");
        assert!(warnings[0].contains("pins stay enforced"), "{warnings:?}");

        let nsc = r#"<network-security-config>
  <base-config>
    <trust-anchors>
      <certificates src="system" overridePins="true"/>
    </trust-anchors>
  </base-config>
</network-security-config>"#;
        let config = PinConfig::from_nsc_xml(
            nsc,
            "network_security_config.xml",
            &crate::config::ImportOptions::new(34),
        )
        .unwrap();
        let warnings: Vec<String> = config.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("network_security_config.xml:4:"),
            "{warnings:?}"
        );

        // Without overridePins, or on another anchor, nothing to say.
        let json = r#"{ "version": 1, "trust_anchors": [{ "source": "system" }, { "source": "user", "override_pins": true }] }"#;
        assert!(PinConfig::from_json(json, "pinwire.json")
            .unwrap()
            .warnings()
            .is_empty());
    }

    #[test]
    fn this_build_validates_as_its_platform() {
        // The unit tests run on Linux (or macOS, where CI has one): the decision above is the one used.
        let expected = if cfg!(target_vendor = "apple") {
            TrustPlatform::Apple
        } else {
            TrustPlatform::Other
        };
        assert_eq!(TrustPlatform::CURRENT, expected);
    }
}
