//! Host patterns in messages, and overlap between two patterns.

use crate::host::{Host, HostPattern, PatternKind};

/// `example.com` or `example.com (with subdomains)`, for messages.
pub(crate) fn describe(pattern: &HostPattern, include_subdomains: bool) -> String {
    if include_subdomains && pattern.kind() != PatternKind::AnyDepth {
        format!("{pattern} (with subdomains)")
    } else {
        pattern.to_string()
    }
}

/// Whether some host matches both `(a, a_subs)` and `(b, b_subs)`.
pub(crate) fn patterns_overlap(a: &HostPattern, a_subs: bool, b: &HostPattern, b_subs: bool) -> bool {
    // A pattern covers the hosts `depth` labels below its base, for depth in [min, max].
    fn range(p: &HostPattern, subs: bool) -> (usize, usize) {
        match (p.kind(), subs) {
            (PatternKind::Exact, false) => (0, 0),
            (PatternKind::Exact, true) | (PatternKind::AnyDepth, _) => (0, usize::MAX),
            (PatternKind::OneLabel, false) => (1, 1),
            (PatternKind::OneLabel, true) => (1, usize::MAX),
        }
    }
    let labels = |h: &Host| -> Vec<String> { h.as_str().split('.').rev().map(str::to_string).collect() };
    let (ra, rb) = (range(a, a_subs), range(b, b_subs));
    let (la, lb) = (labels(a.base()), labels(b.base()));
    if a.base().is_ip() || b.base().is_ip() {
        return a.base() == b.base() && ra.0 == 0 && rb.0 == 0;
    }
    // Order so that `outer` is the shorter base; the other must lie below it.
    let (outer, r_outer, inner, r_inner) = if la.len() <= lb.len() {
        (&la, ra, &lb, rb)
    } else {
        (&lb, rb, &la, ra)
    };
    if inner[..outer.len()] != outer[..] {
        return false;
    }
    let k = inner.len() - outer.len();
    // A host d labels below `inner` is k + d below `outer`.
    let lo = r_inner.0.max(r_outer.0.saturating_sub(k));
    let hi = r_inner.1.min(r_outer.1.saturating_sub(k));
    r_outer.1 >= k && lo <= hi
}
