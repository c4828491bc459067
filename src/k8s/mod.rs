//! Kubernetes semantics over the loaded tree: the object view, kinds and the pod/job accessors,
//! quantities, CronJob schedules, apimachinery's validation of names and labels with its
//! messages, and what an unrendered template placeholder looks like.

pub mod apimachinery;
pub mod cron;
pub mod field;
pub mod intstr;
pub mod kind;
pub mod object;
pub mod placeholder;
pub mod pod;
pub mod pod_security;
pub mod quantity;
pub mod selector;
pub mod validate;
pub mod workload;
