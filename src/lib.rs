//! kubevet: a fast, exact, offline linter for the Kubernetes manifests in GitOps repositories.
//!
//! A one-way pipeline; each folder imports only from those listed before it:
//! [`model`] (findings, the rule table, the report) → [`discover`] (the walk) → [`load`] (YAML
//! into a span-carrying tree, decoded as kubectl does) → [`k8s`] (the object view and the
//! Kubernetes semantics) → [`check`] (the rule API) → [`index`] (the whole-repo index,
//! kustomize, apply units) → [`render`] (kustomize builds, natively) → [`policy`] (CEL: CRD
//! rules and admission policies) → [`schema`] (validation) → [`rules`] → [`settings`]
//! (`.kubevet.yaml`) → [`run`] (the two passes, the per-file and whole-repo stages) → [`output`]
//! → [`cli`]. Beside them, [`alloc`]: the binary's allocator, which imports nothing of kubevet.

pub mod alloc;
pub mod check;
pub mod cli;
pub mod discover;
pub mod index;
pub mod k8s;
pub mod load;
pub mod lsp;
pub mod model;
pub mod output;
pub mod policy;
pub mod render;
pub mod rules;
pub mod run;
pub mod schema;
pub mod settings;

// The library API used by the command line, the tests, the benchmarks and the fuzz targets.
pub use discover::workspace;
pub use k8s::{cron, object};
pub use load::tree;
pub use model::diagnostic as diagnostics;
pub use model::report::{FileEntry, ObjectEntry, Report};
pub use model::{KubeVersion, source};
pub use run::{CheckError, Input, Options, check};
pub use settings as config;
