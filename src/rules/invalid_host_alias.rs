//! `invalid-host-alias`: a pod's `hostAliases` as the API server validates them
//! (`ValidateHostAliases`): each `ip` an IP address, each hostname a DNS subdomain.

use crate::k8s::apimachinery;
use crate::model::KubeVersion;
use crate::check::Context;
use crate::model::diagnostic::Diagnostic;
use crate::k8s::object::Object;
use crate::k8s::validate;
use crate::k8s::apimachinery::go_quote;
use crate::k8s::pod::PodKey;
use crate::k8s::workload;

pub use crate::model::rule::invalid_host_alias as RULE;

pub fn check(object: &Object<'_>, cx: &mut Context<'_>) {
    let Some(pod) = workload::pod_spec_with(object, &[PodKey::HostAliases]) else {
        return;
    };
    let Some(aliases) = pod.spec.child("hostAliases") else {
        return;
    };
    for alias in aliases.items().iter().filter(|a| a.node.is_map()) {
        let ip = alias.child("ip").filter(|f| !f.is_null());
        // A missing ip is the schema's finding from 1.31, where it became required; before, it
        // is the empty string, which is no IP address.
        if ip.is_none()
            && cx.options.kubernetes_version < KubeVersion::new(31)
            && !cx.is_partial()
        {
            let path = format!("{}.ip", alias.path);
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(alias.node.span),
                    apimachinery::invalid(&path, "\"\"", validate::IP_MSG),
                )
                .with_label("no ip")
                .with_help("give the address the hostnames resolve to, e.g. `ip: 10.9.8.7`"),
            );
        }
        if let Some(ip) = ip
            && let Some(text) = ip.str()
            && !validate::is_ip(text)
        {
            let help = if text.parse::<std::net::IpAddr>().is_err()
                && (text.contains('/')
                    || text
                        .rsplit_once(':')
                        .is_some_and(|(h, _)| validate::is_ip(h)))
            {
                "write the address alone, without a prefix length or a port".to_owned()
            } else if text.bytes().any(|b| b.is_ascii_alphabetic()) && !text.contains(':') {
                "`ip` is the address the hostnames resolve to; the names go under `hostnames`"
                    .to_owned()
            } else {
                "write an IPv4 (10.9.8.7) or IPv6 (2001:db8::ffff) address".to_owned()
            };
            cx.report(
                Diagnostic::new(
                    &RULE,
                    cx.loc(ip.value_span()),
                    apimachinery::invalid(&ip.path, &go_quote(text), validate::IP_MSG),
                )
                .with_label("not an IP address")
                .with_help(help),
            );
        }
        let Some(hostnames) = alias.child("hostnames") else {
            continue;
        };
        for name in hostnames.items() {
            let Some(text) = name.str() else {
                continue; // another type: the schema's finding
            };
            let errors = validate::dns1123_subdomain(text);
            if !errors.is_empty() {
                let help = if text.bytes().any(|b| b.is_ascii_uppercase())
                    && validate::dns1123_subdomain(&text.to_ascii_lowercase()).is_empty()
                {
                    format!(
                        "host names are lower-case here: `{}`",
                        text.to_ascii_lowercase()
                    )
                } else {
                    "a host name is a DNS subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit".to_owned()
                };
                cx.report(
                    Diagnostic::new(
                        &RULE,
                        cx.loc(name.node.span),
                        apimachinery::invalid(&name.path, &go_quote(text), &errors.join(", ")),
                    )
                    .with_label("not a DNS subdomain")
                    .with_help(help),
                );
            }
        }
    }
}
