//! Kubernetes semantics over the loaded tree: the object view, kinds and the pod/job accessors,
//! quantities, CronJob schedules, apimachinery's validation of names and labels with its
//! messages, and what an unrendered template placeholder looks like.

pub mod cron;
pub mod object;
pub mod placeholder;
pub mod pod_security;
pub mod quantity;
pub mod validate;
pub mod workload;
