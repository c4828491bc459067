//! Pod Security admission, predicted offline: the Pod Security Standards checks of
//! `k8s.io/pod-security-admission` ([`checks`]), what they read of a pod ([`facts`]), and the
//! namespace labels that say which level applies how (`api/helpers.go`: levels, versions,
//! `latest`). The rule that reports them is `crate::rules::pod_security`.

pub mod checks;
pub mod facts;

use std::fmt;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub const NAMES: &'static [&'static str] = &["privileged", "baseline", "restricted"];

    /// `api.ParseLevel`.
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version: `latest` or `v1.<minor>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    Latest,
    Minor(u32),
}

impl Version {
    /// `api.ParseVersion`: `latest`, or `v1.` and a minor without leading zeros.
    pub fn parse(text: &str) -> Option<Version> {
        if text == "latest" {
            return Some(Version::Latest);
        }
        let minor = text.strip_prefix("v1.")?;
        let canonical = minor == "0" || (!minor.starts_with('0') && !minor.is_empty());
        if !canonical || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        minor.parse().ok().map(Version::Minor)
    }

    /// The version the checks run at on an API server of `target`: `latest`, and any version
    /// newer than the server knows, is the server's own.
    pub fn effective(self, target: u32) -> u32 {
        match self {
            Version::Latest => target,
            Version::Minor(m) => m.min(target),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::Minor(m) => write!(f, "v1.{m}"),
        }
    }
}

/// What the cluster's `PodSecurity` admission configuration says beyond the namespace labels
/// (`.kubevet.yaml` `podSecurity:`, `--pod-security`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// The level every pod is checked against where no namespace label sets `enforce` (the
    /// configuration's `defaults`, for teams preparing to turn enforcement on): warnings.
    pub level: Option<Level>,
    /// Namespaces the admission exempts.
    pub exempt_namespaces: Vec<String>,
    /// RuntimeClasses whose pods the admission exempts.
    pub exempt_runtime_classes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_as_the_admission_does() {
        assert_eq!(Version::parse("latest"), Some(Version::Latest));
        assert_eq!(Version::parse("v1.30"), Some(Version::Minor(30)));
        assert_eq!(Version::parse("v1.0"), Some(Version::Minor(0)));
        for bad in ["1.30", "v1.030", "v2.1", "v1.", "v1.3a", "Latest", ""] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        assert_eq!(Version::Latest.effective(33), 33);
        assert_eq!(Version::Minor(40).effective(33), 33);
        assert_eq!(Version::Minor(25).effective(33), 25);
    }
}
