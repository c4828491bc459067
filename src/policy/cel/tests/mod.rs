//! The engine's tests: the Kubernetes libraries against the API server's expected results,
//! hostile and random expressions (bounds), the YAML → CEL conversion.

mod bounds;
mod convert;
mod fast;
mod library;
mod smoke;
