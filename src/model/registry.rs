//! THE rule table: every rule kubevet knows, one line each — its module, id, default severity,
//! the stage that reports it, whether an unrendered placeholder takes over its findings
//! (`[placeholder]`), and its one-line summary; its doc page is `rules/<id>.md`.
//!
//! Everything else is generated from this one list: the [`Rule`] statics every stage reports
//! with ([`rule`]), [`ALL`] (the order `kubevet rules` lists them in), and, in `crate::rules`,
//! the rule modules and the dispatch of the per-object and whole-repo checks. A rule whose stage
//! is `Object` has a module `src/rules/<module>.rs` with `pub fn check(&Object, &mut Context)`;
//! `Repo`, one with `pub fn check_repo(&Repo, &mut Vec<Diagnostic>)`; the other stages report
//! from the code of that stage (the loader, the schema validator, ...) and have only a doc page.

use crate::model::diagnostic::{Rule, RuleSet, Severity, Stage};

/// Calls `$callback!` with the whole rule table; each entry is
/// `module: "id", Severity, RuleSet, Stage [placeholder]?, "summary";`.
///
/// The set says what a finding means, whatever its severity: `Correctness` (the API server or
/// kustomize rejects it, it certainly malfunctions, or it could not be read), `Suspicious`
/// (accepted but likely wrong), both on by default; `Hygiene` and `Hardening` (best practice),
/// opt-in.
macro_rules! for_each_rule {
    ($callback:ident) => {
        $callback! {
            // Reading and parsing.
            unreadable_file: "unreadable-file", Error, Correctness, Reading,
                "A file could not be read (permissions, a broken symlink, a symlink loop, a vanished file).";
            invalid_utf8: "invalid-utf8", Error, Correctness, Reading,
                "A file is not valid UTF-8, so kubectl cannot read it as YAML or JSON.";
            invalid_yaml: "invalid-yaml", Error, Correctness, Loading [placeholder],
                "A document is not valid YAML (or holds YAML that kubectl cannot convert to JSON).";
            duplicate_key: "duplicate-key", Error, Correctness, Loading,
                "A mapping has the same key twice; kubectl silently keeps the last one.";
            input_limit_exceeded: "input-limit-exceeded", Error, Correctness, Loading,
                "A file is too large, too deeply nested or expands too many aliases to be checked.";
            helm_template_skipped: "helm-template-skipped", Info, Correctness, Discovery,
                "Helm chart templates are not YAML until rendered; they are skipped.";
            special_file_skipped: "special-file-skipped", Info, Correctness, Discovery,
                "A FIFO, socket or device (also behind a symbolic link) met in a walk is never read; it is skipped.";
            // Object metadata.
            missing_kind_or_api_version: "missing-kind-or-api-version", Error, Correctness, Object,
                "An object needs both a non-empty `apiVersion` and a non-empty `kind`.";
            missing_name: "missing-name", Error, Correctness, Object,
                "An object needs `metadata.name` (or `metadata.generateName`).";
            invalid_name: "invalid-name", Error, Correctness, Object [placeholder],
                "`metadata.name` must have the format its kind requires (DNS subdomain, DNS label, ...).";
            invalid_namespace: "invalid-namespace", Error, Correctness, Object [placeholder],
                "`metadata.namespace` must be a DNS-1123 label.";
            invalid_label_key: "invalid-label-key", Error, Correctness, Object [placeholder],
                "Label keys must be qualified names: an optional DNS prefix and '/', then 1-63 characters.";
            invalid_label_value: "invalid-label-value", Error, Correctness, Object [placeholder],
                "Label values must be strings of at most 63 letters, digits, '-', '_' or '.'.";
            invalid_annotation: "invalid-annotation", Error, Correctness, Object [placeholder],
                "Annotation keys must be qualified names, and all annotations together at most 256 KiB.";
            unrendered_placeholder: "unrendered-placeholder", Error, Correctness, Object,
                "A template placeholder (`{{ ... }}`, `${VAR}`, `<ADD VALUE HERE>`) left in a value it makes invalid.";
            // Schemas: API versions, then the object against its schema.
            removed_api_version: "removed-api-version", Error, Correctness, Schema,
                "The apiVersion of this kind is no longer served by the target Kubernetes release.";
            deprecated_api_version: "deprecated-api-version", Warning, Suspicious, Schema,
                "The apiVersion of this kind is deprecated and will stop being served.";
            unknown_kind: "unknown-kind", Error, Correctness, Schema [placeholder],
                "The apiVersion/kind pair is not served by Kubernetes (a misspelled kind, a wrong group, or too new for the target release).";
            no_schema: "no-schema", Warning, Suspicious, Schema [placeholder],
                "A custom resource whose CRD kubevet was not given, so it could not be validated.";
            unknown_field: "unknown-field", Error, Correctness, Schema [placeholder],
                "A field the schema of the kind does not have (kubectl --validate=strict rejects it); a warning with --strict=false.";
            wrong_type: "wrong-type", Error, Correctness, Schema [placeholder],
                "A value of the wrong type for its field, such as an unquoted `yes` where a string is expected.";
            missing_required_field: "missing-required-field", Error, Correctness, Schema,
                "A field the schema requires is missing.";
            schema_violation: "schema-violation", Error, Correctness, Schema [placeholder],
                "A value the schema does not allow (not one of the allowed values, out of range, wrong pattern).";
            invalid_base64: "invalid-base64", Error, Correctness, Schema [placeholder],
                "A base64 field (Secret `data`, ConfigMap `binaryData`, `caBundle`, ...) holds text that is not base64; use `stringData` for plain text.";
            invalid_crd_schema: "invalid-crd-schema", Error, Correctness, Schema,
                "A CustomResourceDefinition the API server rejects: its schema is invalid (not structural, unknown type, does not compile) or it has not exactly one storage version.";
            crd_validation_rule: "crd-validation-rule", Error, Correctness, Schema,
                "A custom resource that a CEL validation rule (x-kubernetes-validations) of its CRD rejects, or a rule that does not compile.";
            // CronJob (reference §5).
            cron_schedule: "cron-schedule", Error, Correctness, Object [placeholder],
                "A CronJob's `spec.schedule` must be five cron fields or a descriptor, exactly as Kubernetes parses it.";
            cron_schedule_never_fires: "cron-schedule-never-fires", Warning, Correctness, Object,
                "A CronJob schedule that parses but never fires (`0 0 30 2 *`): no Job is ever created.";
            cron_schedule_time_zone: "cron-schedule-time-zone", Error, Correctness, Object,
                "`TZ=`/`CRON_TZ=` in a CronJob schedule: rejected since Kubernetes 1.29 (a warning before); use `spec.timeZone`.";
            cron_time_zone: "cron-time-zone", Error, Correctness, Object [placeholder],
                "A CronJob's `spec.timeZone` must be an exact IANA time zone name (`Europe/Berlin`, `UTC`), not `Local` or \"\".";
            cron_day_or_weekday: "cron-day-or-weekday", Info, Suspicious, Object,
                "A schedule with both day-of-month and day-of-week restricted runs when either matches, not both.";
            cronjob_name_too_long: "cronjob-name-too-long", Error, Correctness, Object [placeholder],
                "A CronJob name may have at most 52 characters (the controller appends 11 for each Job).";
            starting_deadline_too_short: "starting-deadline-too-short", Warning, Suspicious, Object,
                "A CronJob `startingDeadlineSeconds` under 10 can make the controller miss every run.";
            // Jobs (reference §4); also a CronJob's jobTemplate.
            restart_policy: "restart-policy", Error, Correctness, Object [placeholder],
                "The pod `restartPolicy` must suit the kind: Always for controllers, OnFailure or Never for Jobs (and it must be set there).";
            job_selector: "job-selector", Error, Correctness, Object,
                "A Job's selector is generated: a `spec.selector` without `manualSelector: true`, or in a CronJob's jobTemplate, is rejected.";
            job_name_too_long: "job-name-too-long", Error, Correctness, Object [placeholder],
                "A Job name may have at most 63 characters: it becomes the value of the `job-name` label.";
            job_completion_mode: "job-completion-mode", Error, Correctness, Object [placeholder],
                "`completionMode: Indexed` needs `completions`; backoffLimitPerIndex, maxFailedIndexes and successPolicy need Indexed.";
            job_pod_failure_policy: "job-pod-failure-policy", Error, Correctness, Object [placeholder],
                "A Job's `podFailurePolicy` needs `restartPolicy: Never` and well-formed rules.";
            // Controllers (reference §3).
            invalid_selector: "invalid-selector", Error, Correctness, Object [placeholder],
                "A workload's `spec.selector` must be present, non-empty and well-formed.";
            selector_mismatch: "selector-mismatch", Error, Correctness, Object [placeholder],
                "A controller's `spec.selector` must match its pod template's labels.";
            invalid_rolling_update: "invalid-rolling-update", Error, Correctness, Object [placeholder],
                "maxSurge/maxUnavailable must be well-formed and allow progress (not both 0; exactly one non-zero for DaemonSets).";
            deployment_progress_deadline: "deployment-progress-deadline", Error, Correctness, Object [placeholder],
                "A Deployment's `progressDeadlineSeconds` (default 600) must be greater than `minReadySeconds`.";
            statefulset_service_name: "statefulset-service-name", Error, Correctness, Object [placeholder],
                "A StatefulSet's `serviceName` must be a DNS-1123 label (rejected since 1.33, a warning before).";
            // Every pod spec (reference §2).
            unsupported_value: "unsupported-value", Error, Correctness, Object [placeholder],
                "An enum field (dnsPolicy, imagePullPolicy, protocol, strategy type, concurrencyPolicy, ...) has a value Kubernetes does not support.";
            negative_value: "negative-value", Error, Correctness, Object [placeholder],
                "Counts, history limits, deadlines and probe timings must be zero or more.";
            missing_containers: "missing-containers", Error, Correctness, Object,
                "A pod spec needs at least one entry in `containers`.";
            invalid_container_name: "invalid-container-name", Error, Correctness, Object [placeholder],
                "Container names are required DNS labels, unique among all containers of a pod (init containers included).";
            invalid_image: "invalid-image", Error, Correctness, Object [placeholder],
                "Every container needs an `image` (without surrounding white space in a Pod).";
            invalid_container_port: "invalid-container-port", Error, Correctness, Object [placeholder],
                "Container ports must be within 1-65535, and port names at most 15 characters, lower-case and unique.";
            duplicate_container_port: "duplicate-container-port", Warning, Suspicious, Object,
                "The same containerPort/protocol is defined twice in a pod.";
            invalid_volume: "invalid-volume", Error, Correctness, Object [placeholder],
                "Pod volumes need a unique DNS-label name and at most one source (configMap, secret, emptyDir, ...).";
            volume_mount_not_found: "volume-mount-not-found", Error, Correctness, Object [placeholder],
                "A `volumeMounts[].name` must name a volume of the pod (or a StatefulSet volumeClaimTemplate).";
            invalid_file_mode: "invalid-file-mode", Error, Correctness, Object [placeholder],
                "Volume file modes must be within 0-0777; `644` in YAML is decimal 644, write `0644` or `420`.";
            invalid_probe: "invalid-probe", Error, Correctness, Object [placeholder],
                "Probes and lifecycle hooks need exactly one handler, valid ports and thresholds in range.";
            probe_port_not_found: "probe-port-not-found", Warning, Suspicious, Object [placeholder],
                "A probe or lifecycle hook names a port the container does not declare.";
            invalid_quantity: "invalid-quantity", Error, Correctness, Object [placeholder],
                "Resource requests and limits must be quantities like `500m` or `1Gi` (not `512MB`), and not negative.";
            request_exceeds_limit: "request-exceeds-limit", Error, Correctness, Object,
                "A resource request must not exceed its limit; GPUs and hugepages need request equal to limit.";
            fractional_byte_value: "fractional-byte-value", Warning, Suspicious, Object [placeholder],
                "Memory or storage quantity that is not a whole number of bytes (`512m` is 0.512 bytes).";
            invalid_env_var: "invalid-env-var", Error, Correctness, Object [placeholder],
                "Env vars need a valid name, and `valueFrom`/`envFrom` exactly one source.";
            duplicate_env_var: "duplicate-env-var", Warning, Suspicious, Object,
                "The same env var name is defined twice in a container; the later one hides the earlier.";
            invalid_resize_policy: "invalid-resize-policy", Error, Correctness, Object [placeholder],
                "resizePolicy entries name cpu or memory once, with NotRequired or RestartContainer (only NotRequired when the pod never restarts).";
            invalid_security_context: "invalid-security-context", Error, Correctness, Object [placeholder],
                "securityContext: ids 0-2147483647, valid seccomp/AppArmor profiles, no allowPrivilegeEscalation: false with privileged: true.";
            invalid_affinity: "invalid-affinity", Error, Correctness, Object [placeholder],
                "Node and pod affinity: valid operators and values, weights 1-100, a topologyKey for every pod affinity term.";
            invalid_toleration: "invalid-toleration", Error, Correctness, Object [placeholder],
                "Tolerations: operator Equal or Exists (an empty key needs Exists), valid key and value, tolerationSeconds only with NoExecute.";
            invalid_topology_spread: "invalid-topology-spread", Error, Correctness, Object [placeholder],
                "topologySpreadConstraints need maxSkew > 0, a topologyKey, whenUnsatisfiable DoNotSchedule or ScheduleAnyway, minDomains only with DoNotSchedule.";
            invalid_host_alias: "invalid-host-alias", Error, Correctness, Object [placeholder],
                "hostAliases need an IP address in `ip` and DNS-subdomain `hostnames`.";
            invalid_dns_config: "invalid-dns-config", Error, Correctness, Object [placeholder],
                "dnsConfig: `dnsPolicy: None` needs nameservers; at most 3 IP nameservers and 32 valid search domains; named options.";
            invalid_pod_os: "invalid-pod-os", Error, Correctness, Object [placeholder],
                "`os.name` must be linux or windows; Windows pods may not set Linux-only security settings, Linux pods no windowsOptions.";
            invalid_pod_names: "invalid-pod-names", Error, Correctness, Object [placeholder],
                "Names in a pod spec (hostname, subdomain, serviceAccountName, nodeName, priorityClassName, gates) must have the DNS or qualified-name format.";
            // Hygiene and best practice (warnings and infos).
            latest_tag: "latest-tag", Warning, Hygiene, Object,
                "Hygiene: an image tagged `:latest`, or with no tag, is not reproducible; pin a version or a digest.";
            job_without_ttl: "job-without-ttl", Info, Hygiene, Object,
                "Best practice: a standalone Job should set `ttlSecondsAfterFinished` so finished Jobs and pods are cleaned up.";
            missing_probes: "missing-probes", Info, Hygiene, Object,
                "Best practice: containers of long-running workloads should have readiness and liveness probes.";
            missing_resources: "missing-resources", Info, Hygiene, Object,
                "Best practice: containers should request CPU and memory and limit memory.";
            run_as_non_root: "run-as-non-root", Info, Hardening, Object,
                "Best practice: set `securityContext.runAsNonRoot: true` (or a non-zero runAsUser) so containers do not run as root.";
            // Whole repository.
            kustomize_missing_file: "kustomize-missing-file", Error, Correctness, Kustomize [placeholder],
                "A kustomization names a file or directory that does not exist; `kustomize build` fails.";
            kustomize_load_restriction: "kustomize-load-restriction", Error, Correctness, Kustomize,
                "A kustomization names a file outside its directory (`../x.yaml`, `/etc/hosts`, a symlink out of it); kustomize refuses to load it.";
            kustomize_cycle: "kustomize-cycle", Error, Correctness, Kustomize,
                "A kustomization includes its own directory, one above it, or one that includes it back; kustomize reports a cycle.";
            kustomize_build_error: "kustomize-build-error", Error, Correctness, Kustomize,
                "`kustomize build` fails on a kustomization (a patch without target, two objects with one id, a JSON patch on a missing path); its files are checked as written.";
            duplicate_object: "duplicate-object", Error, Correctness, Repo,
                "Two objects with the same group, kind, namespace and name in one apply unit: the build fails, or one silently replaces the other.";
            cluster_scoped_with_namespace: "cluster-scoped-with-namespace", Warning, Suspicious, Repo,
                "A cluster-scoped object has `metadata.namespace`, which the API server silently ignores.";
            undeclared_namespace: "undeclared-namespace", Warning, Suspicious, Repo,
                "An object is in a namespace that none of the checked Namespace objects declares.";
            reserved_namespace: "reserved-namespace", Warning, Suspicious, Repo,
                "A new Namespace uses the `kube-` prefix, which is reserved for Kubernetes system namespaces.";
            service_selects_nothing: "service-selects-nothing", Warning, Suspicious, Repo,
                "A Service's selector matches no pods of any workload in its namespace.";
            service_target_port: "service-target-port", Warning, Suspicious, Repo,
                "A Service's targetPort is not a container port of the pods it selects.";
            ingress_backend_not_found: "ingress-backend-not-found", Warning, Suspicious, Repo,
                "An Ingress routes to a Service (or Service port) that does not exist in its namespace.";
            selector_matches_nothing: "selector-matches-nothing", Warning, Suspicious, Repo,
                "A PodDisruptionBudget or NetworkPolicy selects no pods of any workload in its namespace.";
            missing_reference: "missing-reference", Warning, Suspicious, Repo,
                "A reference to a ServiceAccount, ConfigMap, Secret, PVC or scale target that does not exist in the namespace.";
            unknown_service_host: "unknown-service-host", Warning, Suspicious, Repo,
                "A `<service>.<namespace>` host name points at a Service that does not exist there.";
            pod_security: "pod-security", Error, Correctness, Admission,
                "A pod violates the Pod Security level its namespace enforces, warns or audits.";
            admission_policy: "admission-policy", Error, Correctness, Policies,
                "An object that a ValidatingAdmissionPolicy bound in the repository denies (error), warns about (warning) or audits (info).";
            // Suppressions.
            unused_suppression: "unused-suppression", Warning, Suspicious, Suppressions,
                "A suppression comment or annotation suppresses nothing, or names an unknown rule.";
        }
    };
}
pub(crate) use for_each_rule;

macro_rules! replaceable {
    () => {
        false
    };
    (placeholder) => {
        true
    };
}

macro_rules! define_rules {
    ($($module:ident: $id:literal, $severity:ident, $set:ident, $stage:ident $([$flag:ident])?, $summary:literal;)*) => {
        /// One static a rule, named after its module: `&rule::invalid_name`.
        #[allow(non_upper_case_globals)]
        pub mod rule {
            use super::*;
            $(
                pub static $module: Rule = Rule {
                    id: $id,
                    severity: Severity::$severity,
                    set: RuleSet::$set,
                    stage: Stage::$stage,
                    replaceable_by_placeholder: replaceable!($($flag)?),
                    summary: $summary,
                    doc: include_str!(concat!("../../rules/", $id, ".md")),
                };
            )*
        }

        /// All rules, in the order `kubevet rules` lists them.
        pub static ALL: &[&Rule] = &[$(&rule::$module),*];
    };
}

for_each_rule!(define_rules);

/// Findings about kubevet's configuration file itself. Not a rule of the table: a bad
/// configuration stops the run (exit code 2), so it cannot be configured or suppressed; but it
/// has a doc page, for `kubevet explain` and the links of the output formats.
pub static INVALID_CONFIG: Rule = Rule {
    id: "invalid-config",
    severity: Severity::Error,
    set: RuleSet::Correctness,
    stage: Stage::Settings,
    replaceable_by_placeholder: false,
    summary: "The kubevet configuration file is not valid.",
    doc: include_str!("../../rules/invalid-config.md"),
};

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// The rule or other finding id with a doc page: [`find`], and `invalid-config`.
pub fn find_documented(id: &str) -> Option<&'static Rule> {
    find(id).or_else(|| (id == INVALID_CONFIG.id).then_some(&INVALID_CONFIG))
}

/// Every id a finding can carry: the rules of the table, then `invalid-config`.
pub fn documented() -> impl Iterator<Item = &'static Rule> {
    ALL.iter().copied().chain(std::iter::once(&INVALID_CONFIG))
}

/// A rule's position in [`ALL`], for per-rule tables (which rules are off in a file).
pub fn index_of(rule: &Rule) -> Option<usize> {
    ALL.iter().position(|r| r.id == rule.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::diagnostic::Stage;

    fn repo_file(path: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for rule in ALL {
            assert!(seen.insert(rule.id), "{} twice", rule.id);
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                rule.id
            );
        }
    }

    /// Each doc page's `Severity: **x** ... · Set: set · Stage: name` line says what the table says: the
    /// first severity named is the default one, and the stage is the table's (optionally
    /// followed by a remark in parentheses).
    #[test]
    fn doc_pages_state_the_registry_severity_and_stage() {
        for rule in documented() {
            let line = rule
                .doc
                .lines()
                .find(|l| l.starts_with("Severity:"))
                .unwrap_or_else(|| panic!("rules/{}.md has no `Severity:` line", rule.id));
            let severity = line
                .split("**")
                .nth(1)
                .unwrap_or_else(|| panic!("rules/{}.md: {line}", rule.id));
            assert_eq!(
                severity,
                rule.severity.as_str(),
                "rules/{}.md: {line}",
                rule.id
            );
            assert!(
                line.contains(&format!("· Set: {} ·", rule.set.name())),
                "rules/{}.md: {line} does not name its set `{}`",
                rule.id,
                rule.set
            );
            let (_, stage) = line
                .split_once("· Stage: ")
                .unwrap_or_else(|| panic!("rules/{}.md: no stage in {line}", rule.id));
            let name = rule.stage.doc_name();
            assert!(
                stage == name || stage.starts_with(&format!("{name} (")),
                "rules/{}.md says stage {stage:?}, the registry {name:?} ({:?})",
                rule.id,
                rule.stage
            );
        }
    }

    /// Every rule has a doc page, and every page a rule.
    #[test]
    fn every_doc_page_is_a_rule() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if let Some(id) = name.strip_suffix(".md") {
                assert!(
                    find_documented(id).is_some(),
                    "rules/{name} has no entry in the rule table"
                );
            }
        }
    }

    /// The README names every rule, and its rule table gives each rule listed there the
    /// registry's severity.
    #[test]
    fn readme_lists_every_rule_with_its_severity() {
        let readme = repo_file("README.md");
        for rule in ALL {
            assert!(
                readme.contains(&format!("`{}`", rule.id)),
                "README.md does not name `{}`",
                rule.id
            );
        }
        let mut rows = 0;
        for line in readme.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let [_, id, severity, ..] = cells.as_slice() else {
                continue;
            };
            let Some(id) = id.strip_prefix('`').and_then(|i| i.strip_suffix('`')) else {
                continue;
            };
            let Some(rule) = find(id) else {
                continue;
            };
            if ["error", "warning", "info"].contains(severity) {
                assert_eq!(*severity, rule.severity.as_str(), "README row of `{id}`");
                rows += 1;
            }
        }
        assert!(rows > 0, "no rule table found in README.md");
    }

    /// The README's Rule sets table lists the rules of each opt-in or suspicious set, exactly.
    #[test]
    fn readme_lists_the_rules_of_each_set() {
        let readme = repo_file("README.md");
        for set in [RuleSet::Suspicious, RuleSet::Hygiene, RuleSet::Hardening] {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", set.name())))
                .unwrap_or_else(|| panic!("README.md has no Rule sets row for `{set}`"));
            let listed: Vec<&str> = row
                .rsplit('|')
                .nth(1)
                .unwrap()
                .split(',')
                .map(|s| s.trim().trim_matches('`'))
                .collect();
            let expected: Vec<&str> = ALL.iter().filter(|r| r.set == set).map(|r| r.id).collect();
            assert_eq!(listed, expected, "README.md, Rule sets, `{set}`");
        }
    }

    /// Rules with code of their own are the per-object and whole-repo ones; the placeholder
    /// mark is only on rules about a value's format.
    #[test]
    fn stages_and_marks_are_consistent() {
        assert!(rule::unrendered_placeholder.stage == Stage::Object);
        assert!(!rule::unrendered_placeholder.replaceable_by_placeholder);
        for rule in ALL.iter().filter(|r| r.replaceable_by_placeholder) {
            assert!(
                !matches!(rule.stage, Stage::Repo | Stage::Suppressions),
                "{} is marked [placeholder] but reports after the per-file stage",
                rule.id
            );
        }
    }
}
