//! A run: the files to check, the two passes over them ([`passes`]), the per-file stage
//! ([`per_file`]) and the whole-repo stage ([`finish`]). A library: the command line drives it
//! once; an editor server can keep per-file results ([`files::FileResult`]) and run the
//! whole-repo stage again over them.

mod crd_claims;
pub mod files;
pub mod finish;
pub mod fixes;
pub mod passes;
pub mod per_file;
pub mod project;
pub mod rendered;
mod shared;
pub mod suppress;

use crate::load;
use crate::model::KubeVersion;
use crate::settings;
use std::fmt;
use std::path::PathBuf;

pub use passes::check;

/// How a run checks.
#[derive(Clone, Debug)]
pub struct Options {
    pub kubernetes_version: KubeVersion,
    /// Unknown fields are errors (kubectl's `--validate=strict`) rather than warnings.
    pub strict: bool,
    /// The input limits for every file the run reads (`--max-*` flags, the configuration's
    /// `limits:`, else the defaults).
    pub limits: load::Limits,
    /// Which files are checked and how severe each rule is where (from `.kubevet.yaml`).
    pub policy: settings::Policy,
    /// Files and directories indexed for the whole-repo checks but not reported on (the
    /// repository around the files a pre-commit hook passes). Their findings are dropped.
    pub context: Vec<PathBuf>,
    /// Extra CustomResourceDefinitions (`--crd`, `crds:`): files or directories. Their CRDs
    /// give schemas and scopes to custom resources; the files themselves are not checked.
    pub crd_paths: Vec<PathBuf>,
    /// ValidatingAdmissionPolicies besides those of the tree (`--policy`, `policies:`).
    pub policies: Vec<crate::policy::admission::Source>,
    /// Pod Security admission settings beyond the namespace labels (`--pod-security`,
    /// `podSecurity:`).
    pub pod_security: crate::k8s::pod_security::Settings,
    /// Unsaved editor buffers (`kubevet lsp`), by absolute path: read instead of the files on
    /// disk, under the same limits.
    pub buffers: Option<std::sync::Arc<foldhash::HashMap<PathBuf, String>>>,
    /// Top-level kustomizations are rendered and their objects checked as rendered
    /// ([`rendered`]); `false`: everything is checked as written only (to measure what
    /// rendering costs).
    pub render: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            kubernetes_version: KubeVersion::NEWEST,
            strict: true,
            limits: load::Limits::default(),
            policy: settings::Policy::default(),
            context: Vec::new(),
            crd_paths: Vec::new(),
            policies: Vec::new(),
            pod_security: crate::k8s::pod_security::Settings::default(),
            buffers: None,
            render: true,
        }
    }
}

/// What to check.
pub enum Input {
    /// Files and directories.
    Paths(Vec<PathBuf>),
    /// One stream (from stdin), with the name to show for it.
    Stream { name: String, bytes: Vec<u8> },
}

#[derive(Debug)]
pub enum CheckError {
    MissingPath(PathBuf),
    MissingCrdPath(PathBuf),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::MissingPath(p) => write!(f, "{}: no such file or directory", p.display()),
            CheckError::MissingCrdPath(p) => {
                write!(f, "--crd {}: no such file or directory", p.display())
            }
        }
    }
}
