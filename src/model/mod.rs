//! The data every stage shares, at the bottom of the pipeline: spans and source files, findings
//! ([`diagnostic`]), the rule table ([`registry`]), the report the outputs read, the Kubernetes
//! version a run targets, and small text helpers for messages. It imports nothing of kubevet.

pub mod diagnostic;
pub mod fix;
pub mod registry;
pub mod report;
pub mod source;
pub mod span;
pub mod text;
pub mod version;

/// Exit codes of every command (and of `kubevet lsp`): no findings at or above `--fail-on`,
/// findings at or above it, usage error, missing path or internal error.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub use registry::rule;
pub use version::KubeVersion;
