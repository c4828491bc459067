//! The Kubernetes release a run targets: the schemas and the version-dependent rules follow it.

use std::fmt;

/// A Kubernetes minor release, the target the schemas and version-dependent rules use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    pub minor: u32,
}

impl KubeVersion {
    pub const OLDEST: KubeVersion = KubeVersion { minor: 25 };
    pub const NEWEST: KubeVersion = KubeVersion { minor: 37 };

    pub const fn new(minor: u32) -> KubeVersion {
        KubeVersion { minor }
    }

    /// Parses `1.30` without checking the supported range.
    pub fn parse_any(text: &str) -> Option<KubeVersion> {
        let (major, minor) = text.trim().trim_start_matches('v').split_once('.')?;
        let minor = minor.split('.').next()?;
        (major == "1").then_some(())?;
        minor.parse().ok().map(KubeVersion::new)
    }

    /// Parses `1.30`, `v1.30` or `1.30.2` and checks that kubevet supports it.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let range = format!("supported versions are {}-{}", Self::OLDEST, Self::NEWEST);
        let bad = || {
            format!(
                "invalid Kubernetes version {text:?}: expected MAJOR.MINOR such as {}; {range}",
                Self::NEWEST
            )
        };
        let trimmed = text.trim().trim_start_matches('v');
        let mut parts = trimmed.split('.');
        let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
            return Err(bad());
        };
        let patch_ok =
            parts.next().is_none_or(|p| p.parse::<u32>().is_ok()) && parts.next().is_none();
        let (Ok(major), Ok(minor)) = (major.parse::<u32>(), minor.parse::<u32>()) else {
            return Err(bad());
        };
        if !patch_ok {
            return Err(bad());
        }
        let version = KubeVersion { minor };
        if major != 1 || version < Self::OLDEST || version > Self::NEWEST {
            return Err(format!(
                "Kubernetes version {text} is not supported: {range}"
            ));
        }
        Ok(version)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}
