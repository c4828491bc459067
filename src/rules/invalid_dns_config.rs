//! `invalid-dns-config`: a pod's `dnsConfig` as the API server validates it
//! (`validatePodDNSConfig`): `dnsPolicy: None` needs a dnsConfig with a nameserver; at most 3
//! nameservers, each an IP address; at most 32 search domains of at most 2048 characters in all,
//! each a DNS subdomain (with `_` from 1.33, RelaxedDNSSearchValidation); options with a name.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::field::Field;
use crate::k8s::pod::PodKey;
use crate::k8s::workload;

pub use crate::model::rule::invalid_dns_config as RULE;

const MAX_NAMESERVERS: usize = 3;
const MAX_SEARCHES: usize = 32;
const MAX_SEARCH_CHARS: usize = 2048;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::DnsConfig, PodKey::DnsPolicy]) else {
        return;
    };
    let config = pod.spec.child("dnsConfig").filter(|f| !f.is_null());
    if config.as_ref().is_some_and(|c| !c.node.is_map()) {
        return; // another type: the schema's finding
    }
    let nameservers = config
        .as_ref()
        .and_then(|c| c.child("nameservers"))
        .filter(|n| !n.is_null());
    if nameservers
        .as_ref()
        .is_some_and(|n| n.node.as_seq().is_none())
    {
        return;
    }
    let nameserver_count = nameservers.as_ref().map_or(0, |n| n.items().len());
    if let Some(policy) = pod.spec.child("dnsPolicy")
        && policy.str() == Some("None")
        && !cx.is_partial()
    {
        match &config {
            None => {
                let path = format!("{}.dnsConfig", pod.spec.path);
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(policy.node.span), apimachinery::required(&path, "must provide `dnsConfig` when `dnsPolicy` is None"))
                        .with_label("no DNS settings at all")
                        .with_help("with `dnsPolicy: None` the pod gets only what `dnsConfig` says: add `dnsConfig: {nameservers: [...]}`, or use `dnsPolicy: ClusterFirst`"),
                );
                return;
            }
            Some(config) if nameserver_count == 0 => {
                let at = nameservers.as_ref().map_or(config.key, |n| n.key);
                let path = format!("{}.nameservers", config.path);
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&path, "must provide at least one DNS nameserver when `dnsPolicy` is None"))
                        .with_label("no nameserver")
                        .with_secondary(cx.loc(policy.node.span), "dnsPolicy None")
                        .with_help("with `dnsPolicy: None` nothing else provides a resolver: list at least one nameserver IP"),
                );
                return;
            }
            Some(_) => {}
        }
    }
    let Some(config) = config.filter(|c| c.node.is_map()) else {
        return;
    };
    if let Some(nameservers) = &nameservers {
        let items = nameservers.items();
        if items.len() > MAX_NAMESERVERS {
            too_many(
                cx,
                nameservers,
                &items,
                MAX_NAMESERVERS,
                &format!("must not have more than {MAX_NAMESERVERS} nameservers"),
                "the resolver uses at most 3 nameservers",
            );
        }
        for item in &items {
            if let Some(text) = item.str()
                && !validate::is_ip(text)
            {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(item.node.span), apimachinery::invalid(&item.path, &go_quote(text), validate::IP_MSG))
                        .with_label("not an IP address")
                        .with_help("nameservers are IP addresses, e.g. `10.96.0.10` or `2001:db8::53`; host names go under `searches`"),
                );
            }
        }
    }
    if let Some(searches) = config.child("searches") {
        let items = searches.items();
        let texts: Vec<&str> = items.iter().filter_map(|i| i.str()).collect();
        if items.len() > MAX_SEARCHES {
            too_many(
                cx,
                &searches,
                &items,
                MAX_SEARCHES,
                &format!("must not have more than {MAX_SEARCHES} search paths"),
                "the resolver takes at most 32 search domains",
            );
        }
        let joined = texts.iter().map(|t| t.len()).sum::<usize>() + texts.len().saturating_sub(1);
        if joined > MAX_SEARCH_CHARS {
            cx.report(
                Diagnostic::new(&RULE, cx.loc(searches.key), apimachinery::invalid(&searches.path, &go_strings(&texts), &format!("must not have more than {MAX_SEARCH_CHARS} characters (including spaces) in the search list")))
                    .with_label(format!("{joined} characters"))
                    .with_help("the search list is written to resolv.conf, which allows 2048 characters; drop some domains"),
            );
        }
        let relaxed = cx.options.kubernetes_version >= KubeVersion::new(33);
        for item in &items {
            let Some(text) = item.str() else {
                continue;
            };
            if relaxed && text == "." {
                continue;
            }
            let domain = text.strip_suffix('.').unwrap_or(text);
            let errors = if relaxed {
                validate::dns1123_subdomain_with_underscore(domain)
            } else {
                validate::dns1123_subdomain(domain)
            };
            if !errors.is_empty() {
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(item.node.span), apimachinery::invalid(&item.path, &go_quote(domain), &errors.join(", ")))
                        .with_label("not a DNS domain")
                        .with_help(if relaxed {
                            "a search domain is lower-case letters, digits, '-', '_' and '.', e.g. `svc.cluster.local`"
                        } else {
                            "a search domain is a DNS subdomain: lower-case letters, digits, '-' and '.' (underscores and `.` alone are allowed from Kubernetes 1.33)"
                        }),
                );
            }
        }
    }
    if let Some(options) = config.child("options") {
        for option in options.items().iter().filter(|o| o.node.is_map()) {
            let name = option.child("name").filter(|f| !f.is_null());
            let empty = match &name {
                None => true,
                Some(n) => n.str() == Some(""), // other types: the schema's finding
            };
            if empty {
                let at = name.as_ref().map_or(option.node.span, |n| n.value_span());
                cx.report(
                    Diagnostic::new(&RULE, cx.loc(at), apimachinery::required(&option.path, "must not be empty"))
                        .with_label("option without a name")
                        .with_help("a resolver option has a `name` (and maybe a `value`), e.g. `{name: ndots, value: \"2\"}`"),
                );
            }
        }
    }
}

/// More items than allowed: at the first one too many, with the list as Go prints a `[]string`.
fn too_many(
    cx: &mut Context<'_>,
    list: &Field<'_>,
    items: &[Field<'_>],
    max: usize,
    detail: &str,
    why: &str,
) {
    let texts: Vec<&str> = items.iter().filter_map(|i| i.str()).collect();
    cx.report(
        Diagnostic::new(
            &RULE,
            cx.loc(items[max].node.span),
            apimachinery::invalid(&list.path, &go_strings(&texts), detail),
        )
        .with_label(format!("more than {max}"))
        .with_help(format!("{why}; remove the extra ones")),
    );
}

/// Go's `%#v` of a `[]string`: `[]string{"a", "b"}`.
fn go_strings(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}
