//! The built-in kinds that carry a pod spec, and what rules ask of them.

/// The built-in kinds that carry a pod spec (reference §2-§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pod,
    PodTemplate,
    Deployment,
    ReplicaSet,
    DaemonSet,
    StatefulSet,
    ReplicationController,
    Job,
    CronJob,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::PodTemplate => "PodTemplate",
            Kind::Deployment => "Deployment",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::StatefulSet => "StatefulSet",
            Kind::ReplicationController => "ReplicationController",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
        }
    }

    /// Controllers that keep pods running: their template's restartPolicy must be Always.
    pub fn is_controller(self) -> bool {
        matches!(
            self,
            Kind::Deployment
                | Kind::ReplicaSet
                | Kind::DaemonSet
                | Kind::StatefulSet
                | Kind::ReplicationController
        )
    }

    /// Kinds whose pods run to completion.
    pub fn is_batch(self) -> bool {
        matches!(self, Kind::Job | Kind::CronJob)
    }
}
