//! The rule API, between the object view ([`crate::k8s`]) below and the checks above (rules,
//! schema validation, the kustomization reader): the [`Context`] a check reports through, the
//! facts about neighbouring files the run hands in as data, and the placeholder rule's claim on
//! other rules' findings.

pub mod context;
pub mod facts;
pub mod placeholder;

pub use context::{CheckOptions, Context};
