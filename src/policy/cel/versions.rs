//! Which Kubernetes release lets a new expression call which function.
//!
//! Source: k8s.io/apiserver/pkg/cel/environment/base.go (`baseOpts`: each library's
//! `IntroducedVersion`) and k8s.io/apiserver/pkg/cel/library/library_compatibility_test.go (the
//! function names of each library). The API server compiles a *new or changed* expression with
//! the environment of its compatibility version, one release behind itself
//! (`DefaultCompatibilityVersion`), and a *stored* one with everything it knows. A library
//! introduced in 1.N is therefore usable in manifests applied to 1.(N+1) and later: that is the
//! number this table holds ([`Entry::usable`]). Libraries of the unversioned base (1.24 era) are
//! usable since CEL came to Kubernetes.

/// One function (or macro form) and where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub library: &'static str,
    /// base.go's `IntroducedVersion` minor (0 for the unversioned base).
    pub introduced: u32,
    /// First release whose new expressions may use it; `None`: not in Kubernetes.
    pub usable: Option<u32>,
    pub support: Support,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// kubevet evaluates it.
    Yes,
    /// kubevet cannot evaluate it offline (needs the API server).
    NotEvaluable,
    /// Kubernetes has it, kubevet does not implement it yet: an info, never a verdict.
    Unimplemented,
}

const fn e(
    name: &'static str,
    library: &'static str,
    introduced: u32,
    usable: Option<u32>,
    support: Support,
) -> Entry {
    Entry {
        name,
        library,
        introduced,
        usable,
        support,
    }
}

use Support::*;

/// CEL's standard library: always there (cel-go's base environment).
const STANDARD: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "duration",
    "timestamp",
    "dyn",
    "type",
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
];

/// The table. Keep sorted by `usable`, then library.
pub const TABLE: &[Entry] = &[
    // ext.Strings(v0) until 1.29, then v2 (base.go "String library")
    e("charAt", "ext.Strings v0", 0, Some(0), Yes),
    e(
        "indexOf",
        "ext.Strings v0 / kubernetes.lists",
        0,
        Some(0),
        Yes,
    ),
    e(
        "lastIndexOf",
        "ext.Strings v0 / kubernetes.lists",
        0,
        Some(0),
        Yes,
    ),
    e("lowerAscii", "ext.Strings v0", 0, Some(0), Yes),
    e("upperAscii", "ext.Strings v0", 0, Some(0), Yes),
    e("replace", "ext.Strings v0", 0, Some(0), Yes),
    e("split", "ext.Strings v0", 0, Some(0), Yes),
    e("substring", "ext.Strings v0", 0, Some(0), Yes),
    e("trim", "ext.Strings v0", 0, Some(0), Yes),
    e("join", "ext.Strings v0", 0, Some(0), Yes),
    // kubernetes.lists, kubernetes.regex, kubernetes.urls (1.24, unversioned base)
    e("isSorted", "kubernetes.lists", 0, Some(0), Yes),
    e("sum", "kubernetes.lists", 0, Some(0), Yes),
    e("min", "kubernetes.lists", 0, Some(0), Yes),
    e("max", "kubernetes.lists", 0, Some(0), Yes),
    e("find", "kubernetes.regex", 0, Some(0), Yes),
    e("findAll", "kubernetes.regex", 0, Some(0), Yes),
    e("url", "kubernetes.urls", 0, Some(0), Yes),
    e("isURL", "kubernetes.urls", 0, Some(0), Yes),
    e("getScheme", "kubernetes.urls", 0, Some(0), Yes),
    e("getHost", "kubernetes.urls", 0, Some(0), Yes),
    e("getHostname", "kubernetes.urls", 0, Some(0), Yes),
    e("getPort", "kubernetes.urls", 0, Some(0), Yes),
    e("getEscapedPath", "kubernetes.urls", 0, Some(0), Yes),
    e("getQuery", "kubernetes.urls", 0, Some(0), Yes),
    // kubernetes.authz (1.27): the authorizer is the API server's
    e("path", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("group", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e(
        "serviceAccount",
        "kubernetes.authz",
        27,
        Some(28),
        NotEvaluable,
    ),
    e("resource", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e(
        "subresource",
        "kubernetes.authz",
        27,
        Some(28),
        NotEvaluable,
    ),
    e("namespace", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("name", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("check", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("allowed", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("reason", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("errored", "kubernetes.authz", 27, Some(28), NotEvaluable),
    e("error", "kubernetes.authz", 27, Some(28), NotEvaluable),
    // cel.OptionalTypes() and kubernetes.quantity (1.28)
    e("optional.of", "optionals", 28, Some(29), Yes),
    e("optional.ofNonZeroValue", "optionals", 28, Some(29), Yes),
    e("optional.none", "optionals", 28, Some(29), Yes),
    e("hasValue", "optionals", 28, Some(29), Yes),
    e("value", "optionals", 28, Some(29), Yes),
    e("or", "optionals", 28, Some(29), Yes),
    e("orValue", "optionals", 28, Some(29), Yes),
    e("optMap", "optionals", 28, Some(29), Yes),
    e("optFlatMap", "optionals", 28, Some(29), Yes),
    e("quantity", "kubernetes.quantity", 28, Some(29), Yes),
    e("isQuantity", "kubernetes.quantity", 28, Some(29), Yes),
    e("sign", "kubernetes.quantity", 28, Some(29), Yes),
    e(
        "isGreaterThan",
        "kubernetes.quantity / kubernetes.semver",
        28,
        Some(29),
        Yes,
    ),
    e(
        "isLessThan",
        "kubernetes.quantity / kubernetes.semver",
        28,
        Some(29),
        Yes,
    ),
    e(
        "compareTo",
        "kubernetes.quantity / kubernetes.semver",
        28,
        Some(29),
        Yes,
    ),
    e("add", "kubernetes.quantity", 28, Some(29), Yes),
    e("sub", "kubernetes.quantity", 28, Some(29), Yes),
    e("asInteger", "kubernetes.quantity", 28, Some(29), Yes),
    e(
        "asApproximateFloat",
        "kubernetes.quantity",
        28,
        Some(29),
        Yes,
    ),
    e("isInteger", "kubernetes.quantity", 28, Some(29), Yes),
    // ext.Strings(v2) and ext.Sets() (1.29)
    e("format", "ext.Strings v2", 29, Some(30), Unimplemented),
    e("strings.quote", "ext.Strings v2", 29, Some(30), Yes),
    e("sets.contains", "ext.Sets", 29, Some(30), Yes),
    e("sets.equivalent", "ext.Sets", 29, Some(30), Yes),
    e("sets.intersects", "ext.Sets", 29, Some(30), Yes),
    // kubernetes.net.ip, kubernetes.net.cidr (1.30)
    e("ip", "kubernetes.net.ip", 30, Some(31), Yes),
    e("isIP", "kubernetes.net.ip", 30, Some(31), Yes),
    e("ip.isCanonical", "kubernetes.net.ip", 30, Some(31), Yes),
    e("family", "kubernetes.net.ip", 30, Some(31), Yes),
    e("isUnspecified", "kubernetes.net.ip", 30, Some(31), Yes),
    e("isLoopback", "kubernetes.net.ip", 30, Some(31), Yes),
    e(
        "isLinkLocalMulticast",
        "kubernetes.net.ip",
        30,
        Some(31),
        Yes,
    ),
    e("isLinkLocalUnicast", "kubernetes.net.ip", 30, Some(31), Yes),
    e("isGlobalUnicast", "kubernetes.net.ip", 30, Some(31), Yes),
    e("cidr", "kubernetes.net.cidr", 30, Some(31), Yes),
    e("isCIDR", "kubernetes.net.cidr", 30, Some(31), Yes),
    e("containsIP", "kubernetes.net.cidr", 30, Some(31), Yes),
    e("containsCIDR", "kubernetes.net.cidr", 30, Some(31), Yes),
    e("masked", "kubernetes.net.cidr", 30, Some(31), Yes),
    e("prefixLength", "kubernetes.net.cidr", 30, Some(31), Yes),
    // kubernetes.format (1.31) and kubernetes.authzSelectors (1.31, feature gate
    // AuthorizeWithSelectors)
    e(
        "format.named",
        "kubernetes.format",
        31,
        Some(32),
        Unimplemented,
    ),
    e("validate", "kubernetes.format", 31, Some(32), Unimplemented),
    e(
        "fieldSelector",
        "kubernetes.authzSelectors",
        31,
        Some(32),
        NotEvaluable,
    ),
    e(
        "labelSelector",
        "kubernetes.authzSelectors",
        31,
        Some(32),
        NotEvaluable,
    ),
    // ext.TwoVarComprehensions() (1.32): the 3-argument all/exists/existsOne and the
    // transform macros expand into calls of these internal functions (see library.rs)
    e("@kv_pairs", "ext.TwoVarComprehensions", 32, Some(33), Yes),
    e("@kv_to_map", "ext.TwoVarComprehensions", 32, Some(33), Yes),
    e("@kv_merge", "ext.TwoVarComprehensions", 32, Some(33), Yes),
    // kubernetes.SemverLib(v1) (1.33)
    e("semver", "kubernetes.semver", 33, Some(34), Yes),
    e("isSemver", "kubernetes.semver", 33, Some(34), Yes),
    e("major", "kubernetes.semver", 33, Some(34), Yes),
    e("minor", "kubernetes.semver", 33, Some(34), Yes),
    e("patch", "kubernetes.semver", 33, Some(34), Yes),
    // ext.Lists(v3) (1.34)
    e("slice", "ext.Lists v3", 34, Some(35), Yes),
    e("flatten", "ext.Lists v3", 34, Some(35), Yes),
    e("distinct", "ext.Lists v3", 34, Some(35), Yes),
    e("reverse", "ext.Lists v3", 34, Some(35), Yes),
    e("sort", "ext.Lists v3", 34, Some(35), Yes),
    e("sortBy", "ext.Lists v3", 34, Some(35), Yes),
    e("@sortByAssociatedKeys", "ext.Lists v3", 34, Some(35), Yes),
    e("lists.range", "ext.Lists v3", 34, Some(35), Yes),
    e("first", "ext.Lists v3", 34, Some(35), Unimplemented),
    e("last", "ext.Lists v3", 34, Some(35), Unimplemented),
    // In cel-go but not in the API server's environment.
    e("cel.bind", "ext.Bindings (DRA only)", 0, None, Yes),
    e("math.greatest", "ext.Math", 0, None, Yes),
    e("math.least", "ext.Math", 0, None, Yes),
    e("base64.encode", "ext.Encoders", 0, None, Yes),
    e("base64.decode", "ext.Encoders", 0, None, Yes),
    e(
        "jsonpatch.escapeKey",
        "kubernetes.jsonpatch (MutatingAdmissionPolicy)",
        32,
        None,
        Yes,
    ),
];

/// What [`check`] says about calling a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Available,
    NotEvaluable,
    Unimplemented,
    /// Not yet in that release: the first release that has it (`None`: none).
    Later(Option<u32>),
    Unknown,
}

pub fn entry(name: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.name == name)
}

/// Whether a new expression on Kubernetes 1.`kube_minor` may call `name`.
pub fn available(name: &str, kube_minor: u32) -> bool {
    STANDARD.contains(&name)
        || entry(name)
            .and_then(|e| e.usable)
            .is_some_and(|v| v <= kube_minor)
}

pub fn check(name: &str, kube_minor: u32) -> Availability {
    if STANDARD.contains(&name) {
        return Availability::Available;
    }
    let Some(e) = entry(name) else {
        return Availability::Unknown;
    };
    match e.usable {
        Some(v) if v <= kube_minor => match e.support {
            Support::Yes => Availability::Available,
            Support::NotEvaluable => Availability::NotEvaluable,
            Support::Unimplemented => Availability::Unimplemented,
        },
        usable => Availability::Later(usable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_by_release() {
        assert!(available("size", 20));
        assert!(available("lowerAscii", 25));
        assert!(!available("quantity", 28));
        assert!(available("quantity", 29));
        assert!(!available("ip", 30));
        assert!(available("cidr", 31));
        assert!(!available("semver", 33));
        assert!(available("semver", 34));
        assert!(!available("@kv_pairs", 32));
        assert!(available("@kv_pairs", 33));
        assert!(!available("lists.range", 34));
        assert!(!available("math.greatest", 99));
        assert_eq!(check("fieldSelector", 32), Availability::NotEvaluable);
        assert_eq!(check("nope", 35), Availability::Unknown);
    }

    #[test]
    fn table_has_no_duplicates() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(
                TABLE[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
            assert!(!STANDARD.contains(&a.name), "{}", a.name);
        }
    }
}
