//! The data every stage shares, at the bottom of the pipeline: spans and source files, findings
//! ([`diagnostic`]), the rule table ([`registry`]), the report the outputs read, the Kubernetes
//! version a run targets, and small text helpers for messages. It imports nothing of kubevet.

pub mod diagnostic;
pub mod registry;
pub mod report;
pub mod source;
pub mod span;
pub mod text;
pub mod version;

pub use registry::rule;
pub use version::KubeVersion;
