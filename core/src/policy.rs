//! The pin policy: which hosts are pinned to which keys, and which may be reached over cleartext HTTP.
//!
//! # Precedence
//! A host is looked up among the rules whose pattern matches it, and the **most specific** one wins: an
//! exact hit on the host beats any pattern, then the rule whose base name has more labels, then the
//! narrower kind (`example.com` with `include_subdomains`, then `*.`, then `**.`). Two rules with the
//! same pattern are a configuration error. Rules do not combine: a more specific rule with an empty
//! pin set exempts its hosts from the pins of a broader one, as a nested `domain-config` does in
//! Android's Network Security Config.
//!
//! # Expiration
//! A pin set may carry an expiration instant. After that instant the set is **not enforced** (the host
//! gets ordinary certificate validation only) and the decision is reported as
//! [`PinOutcome::Expired`](crate::PinOutcome::Expired). This is the fail-open rule of Android's Network
//! Security Config and TrustKit: an app that is not updated must not lose connectivity forever. A date
//! given as `yyyy-MM-dd` means 00:00:00 UTC on that day. At the instant itself the pins are still
//! enforced, as on Android and in TrustKit (both compare `now > expiration`).

use crate::host::{Host, HostError, HostPattern};
use crate::pin::{Pin, PinError};
use std::collections::BTreeSet;
use time::{Date, OffsetDateTime, Time};

/// Whether a pin mismatch fails the connection or is only observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PinMode {
    /// A mismatch fails the connection with [`Error::PinMismatch`](crate::Error::PinMismatch).
    #[default]
    Enforce,
    /// A mismatch is reported to observers, and the connection proceeds.
    ReportOnly,
}

/// Why a policy could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A host or pattern is not valid.
    #[error(transparent)]
    Host(#[from] HostError),
    /// A pin is not valid.
    #[error(transparent)]
    Pin(#[from] PinError),
    /// A pin set has fewer distinct pins than the policy requires (2 unless lowered explicitly).
    #[error(
        "the pin set for {pattern} has {count} distinct pin(s); at least {required} are required so that a \
         backup key exists for rotation (lower it with `PolicyBuilder::dangerous_allow_single_pin`)"
    )]
    TooFewPins {
        /// The pattern of the offending rule.
        pattern: String,
        /// Distinct pins given.
        count: usize,
        /// Pins required.
        required: usize,
    },
    /// The same pattern appears in two rules.
    #[error("{pattern} is configured twice")]
    DuplicatePattern {
        /// The repeated pattern.
        pattern: String,
    },
}

impl From<std::convert::Infallible> for PolicyError {
    fn from(never: std::convert::Infallible) -> PolicyError {
        match never {}
    }
}

/// A set of pins for the hosts of one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinSet {
    pins: BTreeSet<Pin>,
    expires_at: Option<OffsetDateTime>,
    mode: PinMode,
}

impl PinSet {
    /// A pin set from pin strings or values; duplicates collapse.
    pub fn new<P>(pins: impl IntoIterator<Item = P>) -> Result<PinSet, PolicyError>
    where
        P: TryInto<Pin>,
        PolicyError: From<P::Error>,
    {
        let pins = pins
            .into_iter()
            .map(|p| p.try_into())
            .collect::<Result<BTreeSet<Pin>, _>>()?;
        Ok(PinSet {
            pins,
            expires_at: None,
            mode: PinMode::Enforce,
        })
    }

    /// An empty set: a rule with it exempts its hosts from pinning by a broader rule.
    pub fn exempt() -> PinSet {
        PinSet {
            pins: BTreeSet::new(),
            expires_at: None,
            mode: PinMode::Enforce,
        }
    }

    /// Stops enforcing the set at `instant`.
    pub fn expires_at(mut self, instant: OffsetDateTime) -> PinSet {
        self.expires_at = Some(instant);
        self
    }

    /// Stops enforcing the set at 00:00 UTC on `date` (the `yyyy-MM-dd` convention of NSC and TrustKit).
    pub fn expires_on(self, date: Date) -> PinSet {
        self.expires_at(date.with_time(Time::MIDNIGHT).assume_utc())
    }

    /// Reports mismatches instead of failing the connection.
    pub fn report_only(mut self) -> PinSet {
        self.mode = PinMode::ReportOnly;
        self
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: PinMode) -> PinSet {
        self.mode = mode;
        self
    }

    /// The pins, sorted.
    pub fn pins(&self) -> impl ExactSizeIterator<Item = &Pin> {
        self.pins.iter()
    }

    /// Whether this set exempts its hosts from pinning.
    pub fn is_exempt(&self) -> bool {
        self.pins.is_empty()
    }

    /// The expiration instant, if any.
    pub fn expiration(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }

    /// Enforce or report-only.
    pub fn mode(&self) -> PinMode {
        self.mode
    }

    /// Whether the set has expired at `now`.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| now > at)
    }

    /// Whether any of `pins` is in the set.
    pub fn matches_any<'a>(&self, mut pins: impl Iterator<Item = &'a Pin>) -> Option<Pin> {
        pins.find(|p| self.pins.contains(p)).copied()
    }
}

/// One entry of the policy: a host pattern with its pins and cleartext permission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRule {
    pattern: HostPattern,
    include_subdomains: bool,
    pins: Option<PinSet>,
    cleartext_permitted: Option<bool>,
}

impl DomainRule {
    /// A rule for `pattern` with nothing set yet.
    pub fn new(pattern: &str) -> Result<DomainRule, PolicyError> {
        Ok(DomainRule {
            pattern: HostPattern::parse(pattern)?,
            include_subdomains: false,
            pins: None,
            cleartext_permitted: None,
        })
    }

    /// Extends the rule to every subdomain of the hosts its pattern matches.
    pub fn include_subdomains(mut self, include: bool) -> DomainRule {
        self.include_subdomains = include;
        self
    }

    /// Pins the rule's hosts (an [`PinSet::exempt`] set exempts them).
    pub fn pins(mut self, pins: PinSet) -> DomainRule {
        self.pins = Some(pins);
        self
    }

    /// Allows or refuses `http://` for the rule's hosts, overriding the policy default.
    pub fn cleartext_permitted(mut self, permitted: bool) -> DomainRule {
        self.cleartext_permitted = Some(permitted);
        self
    }

    /// The pattern.
    pub fn pattern(&self) -> &HostPattern {
        &self.pattern
    }

    /// Whether subdomains are included.
    pub fn includes_subdomains(&self) -> bool {
        self.include_subdomains
    }

    /// The pin set, if the rule sets one.
    pub fn pin_set(&self) -> Option<&PinSet> {
        self.pins.as_ref()
    }

    /// The cleartext permission, if the rule sets one.
    pub fn cleartext(&self) -> Option<bool> {
        self.cleartext_permitted
    }

    fn matches(&self, host: &Host) -> bool {
        self.pattern.matches(host, self.include_subdomains)
    }
}

/// The pins that apply to one host, and the rule they come from.
#[derive(Clone, Copy, Debug)]
pub struct PinRequirement<'a> {
    /// The rule that matched.
    pub rule: &'a DomainRule,
    /// Its pin set.
    pub pins: &'a PinSet,
}

/// An immutable pin policy. Build it with [`Policy::builder`]; the default is [`Policy::unpinned`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    rules: Vec<DomainRule>,
    cleartext_default: bool,
    min_pins: usize,
}

impl Default for Policy {
    /// [`Policy::unpinned`].
    fn default() -> Policy {
        Policy::unpinned()
    }
}

impl Policy {
    /// A builder with no rules, cleartext refused, and at least two pins per set.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder {
            rules: Vec::new(),
            cleartext_default: false,
            min_pins: 2,
            error: None,
        }
    }

    /// A policy with no pins: every host gets ordinary certificate validation, and cleartext is refused.
    pub fn unpinned() -> Policy {
        Policy {
            rules: Vec::new(),
            cleartext_default: false,
            min_pins: 2,
        }
    }

    /// The rules, in the order they were added.
    pub fn rules(&self) -> &[DomainRule] {
        &self.rules
    }

    /// Whether `http://` is allowed to hosts no rule speaks about.
    pub fn cleartext_default(&self) -> bool {
        self.cleartext_default
    }

    /// The minimum number of distinct pins per set this policy was built with.
    pub fn min_pins(&self) -> usize {
        self.min_pins
    }

    /// The pins `host` must match: the most specific matching rule that has a pin set, unless that set
    /// is empty (exempt). `None` means ordinary validation only.
    pub fn pins_for(&self, host: &Host) -> Option<PinRequirement<'_>> {
        let rule = self.most_specific(host, |rule| rule.pins.is_some())?;
        let pins = rule.pins.as_ref()?;
        (!pins.is_exempt()).then_some(PinRequirement { rule, pins })
    }

    /// Whether `http://` may be used for `host`: the most specific rule that says so, else the default.
    pub fn cleartext_permitted(&self, host: &Host) -> bool {
        self.most_specific(host, |rule| rule.cleartext_permitted.is_some())
            .and_then(|rule| rule.cleartext_permitted)
            .unwrap_or(self.cleartext_default)
    }

    fn most_specific(&self, host: &Host, relevant: impl Fn(&DomainRule) -> bool) -> Option<&DomainRule> {
        self.rules
            .iter()
            .filter(|rule| relevant(rule) && rule.matches(host))
            .max_by_key(|rule| rule.pattern.specificity(host))
    }
}

/// Builds a [`Policy`]; errors are reported by [`PolicyBuilder::build`].
#[derive(Debug)]
pub struct PolicyBuilder {
    rules: Vec<DomainRule>,
    cleartext_default: bool,
    min_pins: usize,
    error: Option<PolicyError>,
}

impl PolicyBuilder {
    /// Pins `pattern` (`example.com`, `*.example.com`, `**.example.com`) to `pins`, in the style of
    /// OkHttp's `CertificatePinner.Builder.add`. Calling it again for the same pattern adds pins.
    pub fn pin<P>(self, pattern: &str, pins: impl IntoIterator<Item = P>) -> PolicyBuilder
    where
        P: TryInto<Pin>,
        PolicyError: From<P::Error>,
    {
        let rule = PinSet::new(pins).and_then(|set| Ok(DomainRule::new(pattern)?.pins(set)));
        match rule {
            Ok(rule) => self.pin_rule(rule),
            Err(e) => self.try_rule(Err(e)),
        }
    }

    /// Adds a rule with its options, merging as [`PolicyBuilder::pin`] does: a rule with pins for a
    /// pattern that already has pins adds its pins to the first rule, whose options (subdomains, mode,
    /// expiration, cleartext) stay. The Kotlin and Swift builders' `add` is this call.
    pub fn pin_rule(mut self, rule: DomainRule) -> PolicyBuilder {
        let existing = rule.pins.as_ref().and_then(|_| {
            self.rules
                .iter_mut()
                .find(|r| r.pattern == rule.pattern && r.pins.is_some())
        });
        match (existing, rule.pins) {
            (Some(existing), Some(added)) => existing.pins.as_mut().expect("found with pins").pins.extend(added.pins),
            (_, pins) => self.rules.push(DomainRule { pins, ..rule }),
        }
        self
    }

    /// Adds a fully described rule.
    pub fn rule(mut self, rule: DomainRule) -> PolicyBuilder {
        self.rules.push(rule);
        self
    }

    /// Adds a rule from a fallible constructor, keeping the first error for [`PolicyBuilder::build`].
    pub fn try_rule(mut self, rule: Result<DomainRule, PolicyError>) -> PolicyBuilder {
        match rule {
            Ok(rule) => self.rules.push(rule),
            Err(e) => self.error = self.error.or(Some(e)),
        }
        self
    }

    /// Allows `http://` to `pattern`'s hosts.
    pub fn permit_cleartext(self, pattern: &str) -> PolicyBuilder {
        let rule = DomainRule::new(pattern).map(|r| r.cleartext_permitted(true));
        self.try_rule(rule)
    }

    /// Sets whether `http://` is allowed to hosts no rule speaks about (default: refused).
    pub fn cleartext_default(mut self, permitted: bool) -> PolicyBuilder {
        self.cleartext_default = permitted;
        self
    }

    /// Accepts pin sets with a single pin. Without a backup pin, a lost or rotated key locks every
    /// installed copy of the app out of its server until users update: the reason TrustKit and this
    /// library require two by default.
    pub fn dangerous_allow_single_pin(mut self) -> PolicyBuilder {
        self.min_pins = 1;
        self
    }

    /// Checks and returns the policy.
    pub fn build(self) -> Result<Policy, PolicyError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        // A pattern may carry pins in one rule and a cleartext permission in another, but neither twice:
        // two rules competing for the same host would make the precedence ambiguous.
        let mut seen = BTreeSet::new();
        for rule in &self.rules {
            let twice = (rule.pins.is_some() && !seen.insert((rule.pattern.clone(), "pins")))
                || (rule.cleartext_permitted.is_some() && !seen.insert((rule.pattern.clone(), "cleartext")));
            if twice {
                return Err(PolicyError::DuplicatePattern {
                    pattern: rule.pattern.to_string(),
                });
            }
            if let Some(pins) = &rule.pins {
                if !pins.is_exempt() && pins.pins.len() < self.min_pins {
                    return Err(PolicyError::TooFewPins {
                        pattern: rule.pattern.to_string(),
                        count: pins.pins.len(),
                        required: self.min_pins,
                    });
                }
            }
        }
        Ok(Policy {
            rules: self.rules,
            cleartext_default: self.cleartext_default,
            min_pins: self.min_pins,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(a: u8, b: u8) -> [Pin; 2] {
        [Pin::from_sha256([a; 32]), Pin::from_sha256([b; 32])]
    }

    #[test]
    fn the_default_policy_is_the_unpinned_one() {
        assert_eq!(Policy::default(), Policy::unpinned());
        assert!(Policy::default().pins_for(&host("example.com")).is_none());
        assert!(!Policy::default().cleartext_default());
    }

    fn host(s: &str) -> Host {
        Host::parse(s).unwrap()
    }

    fn pattern_for(policy: &Policy, h: &str) -> Option<String> {
        policy.pins_for(&host(h)).map(|r| r.rule.pattern().to_string())
    }

    #[test]
    fn a_rule_for_a_pinned_pattern_adds_its_pins_and_the_first_options_stay() {
        let first = DomainRule::new("api.example.com")
            .unwrap()
            .pins(PinSet::new(pins(1, 2)).unwrap().report_only());
        let second = DomainRule::new("API.example.com")
            .unwrap()
            .include_subdomains(true)
            .cleartext_permitted(true)
            .pins(PinSet::new([Pin::from_sha256([3; 32])]).unwrap());
        let policy = Policy::builder().pin_rule(first).pin_rule(second).build().unwrap();
        let [rule] = policy.rules() else {
            panic!("one rule: {:?}", policy.rules())
        };
        let set = rule.pin_set().unwrap();
        assert_eq!(set.pins().count(), 3);
        assert_eq!(set.mode(), PinMode::ReportOnly);
        assert!(!rule.includes_subdomains());
        assert_eq!(rule.cleartext(), None);
        // A rule without pins is not merged: it sets what it sets, next to the pinned one.
        let policy = Policy::builder()
            .pin("api.example.com", pins(1, 2))
            .pin_rule(DomainRule::new("api.example.com").unwrap().cleartext_permitted(true))
            .build()
            .unwrap();
        assert_eq!(policy.rules().len(), 2);
    }

    #[test]
    fn most_specific_rule_wins() {
        let policy = Policy::builder()
            .pin("**.example.com", pins(1, 2))
            .pin("*.example.com", pins(3, 4))
            .rule(
                DomainRule::new("example.com")
                    .unwrap()
                    .include_subdomains(true)
                    .pins(PinSet::new(pins(5, 6)).unwrap()),
            )
            .pin("api.example.com", pins(7, 8))
            .pin("**.cdn.example.com", pins(9, 10))
            .build()
            .unwrap();
        assert_eq!(
            pattern_for(&policy, "api.example.com").as_deref(),
            Some("api.example.com")
        );
        // Same base name: exact-with-subdomains beats `*.`, which beats `**.`.
        assert_eq!(pattern_for(&policy, "www.example.com").as_deref(), Some("example.com"));
        assert_eq!(pattern_for(&policy, "example.com").as_deref(), Some("example.com"));
        // A longer base name beats a shorter one.
        assert_eq!(
            pattern_for(&policy, "img.cdn.example.com").as_deref(),
            Some("**.cdn.example.com")
        );
        assert_eq!(
            pattern_for(&policy, "cdn.example.com").as_deref(),
            Some("**.cdn.example.com")
        );
        assert_eq!(pattern_for(&policy, "example.org"), None);
    }

    #[test]
    fn an_exempt_rule_turns_pinning_off_below_a_broader_rule() {
        let policy = Policy::builder()
            .rule(
                DomainRule::new("example.com")
                    .unwrap()
                    .include_subdomains(true)
                    .pins(PinSet::new(pins(1, 2)).unwrap()),
            )
            .rule(
                DomainRule::new("open.example.com")
                    .unwrap()
                    .include_subdomains(true)
                    .pins(PinSet::exempt()),
            )
            .build()
            .unwrap();
        assert!(policy.pins_for(&host("a.example.com")).is_some());
        assert!(policy.pins_for(&host("open.example.com")).is_none());
        assert!(policy.pins_for(&host("x.open.example.com")).is_none());
    }

    #[test]
    fn cleartext_follows_the_most_specific_rule_that_says_so() {
        let policy = Policy::builder()
            .rule(
                DomainRule::new("example.com")
                    .unwrap()
                    .include_subdomains(true)
                    .cleartext_permitted(true),
            )
            .rule(
                DomainRule::new("secure.example.com")
                    .unwrap()
                    .cleartext_permitted(false),
            )
            .pin("secure.example.com", pins(1, 2))
            .build()
            .unwrap();
        assert!(policy.cleartext_permitted(&host("a.example.com")));
        assert!(!policy.cleartext_permitted(&host("secure.example.com")));
        assert!(!policy.cleartext_permitted(&host("example.org")));
        let open = Policy::builder().cleartext_default(true).build().unwrap();
        assert!(open.cleartext_permitted(&host("example.org")));
    }

    #[test]
    fn pin_adds_to_an_existing_pattern_like_okhttp() {
        let policy = Policy::builder()
            .pin("example.com", [pins(1, 2)[0]])
            .pin("example.com", [pins(1, 2)[1]])
            .build();
        assert_eq!(policy.unwrap().rules().len(), 1);
    }

    #[test]
    fn expiration_is_at_midnight_utc_of_the_date() {
        let set = PinSet::new(pins(1, 2))
            .unwrap()
            .expires_on(time::macros::date!(2030 - 01 - 02));
        assert!(!set.is_expired_at(time::macros::datetime!(2030-01-01 23:59:59 UTC)));
        assert!(!set.is_expired_at(time::macros::datetime!(2030-01-02 00:00:00 UTC)));
        assert!(set.is_expired_at(time::macros::datetime!(2030-01-02 00:00:00.001 UTC)));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn label() -> impl Strategy<Value = String> {
            "[a-z][a-z0-9]{0,6}"
        }

        proptest! {
            #[test]
            fn patterns_match_exactly_their_documented_hosts(
                base in proptest::collection::vec(label(), 2..4),
                extra in proptest::collection::vec(label(), 0..4),
            ) {
                let base = base.join(".");
                let h = if extra.is_empty() { base.clone() } else { format!("{}.{base}", extra.join(".")) };
                let h = host(&h);
                let depth = extra.len();
                let exact = HostPattern::parse(&base).unwrap();
                let one = HostPattern::parse(&format!("*.{base}")).unwrap();
                let any = HostPattern::parse(&format!("**.{base}")).unwrap();
                prop_assert_eq!(exact.matches(&h, false), depth == 0);
                prop_assert!(exact.matches(&h, true));
                prop_assert_eq!(one.matches(&h, false), depth == 1);
                prop_assert_eq!(one.matches(&h, true), depth >= 1);
                prop_assert!(any.matches(&h, false));
                // A host that merely ends with the same characters is never a match.
                let lookalike = host(&format!("x{base}"));
                prop_assert!(!exact.matches(&lookalike, true) && !any.matches(&lookalike, true));
            }

            #[test]
            fn pin_text_round_trips(digest in proptest::array::uniform32(any::<u8>())) {
                let pin = Pin::from_sha256(digest);
                prop_assert_eq!(pin.to_string().parse::<Pin>().unwrap(), pin);
            }

            #[test]
            fn pin_parsing_never_panics(text in ".{0,80}") {
                let _ = text.parse::<Pin>();
                let _ = HostPattern::parse(&text);
                let _ = Host::parse(&text);
            }
        }
    }
}
