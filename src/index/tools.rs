//! What GitOps tools say about the objects they deploy or create: Flux and Argo CD sources
//! (what they deploy, where), and the objects operators create (the Secrets of cert-manager
//! Certificates, ExternalSecrets, ...).

use super::read::*;
use super::summary::*;
use crate::check::Context;
use crate::k8s::object::Object;
use crate::load::tree::Node;
use crate::model::diagnostic::Location;

/// A Flux `Kustomization`'s `spec.path` (the source's root when empty).
pub(super) fn flux_deploys(spec: Option<&Node>, cx: &Context<'_>) -> Option<Box<Deploys>> {
    let spec = spec?;
    let path = spec.get("path");
    Some(Box::new(Deploys {
        namespace: namespace_at(spec.get("targetNamespace"), cx),
        overrides_namespace: true,
        creates_namespace: false,
        tool: Tool::Flux,
        sources: vec![DeploySource {
            path: path.and_then(Node::as_str).unwrap_or("./").to_owned(),
            recurse: true,
            include: None,
            exclude: None,
            glob: false,
            location: cx.loc(path.map_or(spec.span, |p| p.span)),
        }],
    }))
}

/// An Argo CD application's `source.path` / `sources[].path` (with `directory` options); for an
/// ApplicationSet whose template path is templated, the directories of its git generators.
pub(super) fn argo_deploys(
    spec: Option<&Node>,
    cx: &Context<'_>,
    generators: Option<&Node>,
) -> Option<Box<Deploys>> {
    let spec = spec?;
    let sources = spec
        .get("source")
        .into_iter()
        .chain(seq(spec.get("sources")))
        .filter(|s| s.get("chart").is_none());
    let mut out = Vec::new();
    for source in sources {
        let Some(path) = source.get("path").filter(|p| p.as_str().is_some()) else {
            continue;
        };
        let directory = source.get("directory");
        let text = |key: &str| {
            directory
                .and_then(|d| d.get(key))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let recurse = directory
            .and_then(|d| d.get("recurse"))
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let (include, exclude) = (text("include"), text("exclude"));
        let written = path.as_str().unwrap_or_default();
        if !written.contains("{{") {
            out.push(DeploySource {
                path: written.to_owned(),
                recurse,
                include,
                exclude,
                glob: false,
                location: cx.loc(path.span),
            });
            continue;
        }
        // `{{path}}` from git directory generators (also inside matrix/merge generators).
        for dir in git_directories(generators) {
            out.push(DeploySource {
                path: dir.as_str().unwrap_or_default().to_owned(),
                recurse,
                include: include.clone(),
                exclude: exclude.clone(),
                glob: true,
                location: cx.loc(dir.span),
            });
        }
    }
    let creates_namespace = seq(spec.get_path(&["syncPolicy", "syncOptions"]))
        .iter()
        .any(|o| o.as_str() == Some("CreateNamespace=true"));
    (!out.is_empty()).then(|| {
        Box::new(Deploys {
            tool: Tool::ArgoCd,
            sources: out,
            namespace: namespace_at(spec.get_path(&["destination", "namespace"]), cx),
            overrides_namespace: false,
            creates_namespace,
        })
    })
}

/// A literal namespace (not a template) and where it is written.
pub(super) fn namespace_at(node: Option<&Node>, cx: &Context<'_>) -> Option<(String, Location)> {
    let node = node?;
    let name = node
        .as_str()
        .filter(|s| !s.is_empty() && !s.contains("{{"))?;
    Some((name.to_owned(), cx.loc(node.span)))
}

/// The `path` globs of an ApplicationSet's git directory generators that are not excluded.
pub(super) fn git_directories(generators: Option<&Node>) -> Vec<&Node> {
    let mut out = Vec::new();
    for generator in seq(generators) {
        for directory in seq(generator.get_path(&["git", "directories"])) {
            if directory.get("exclude").and_then(Node::as_bool) != Some(true)
                && let Some(path) = directory.get("path").filter(|p| p.as_str().is_some())
            {
                out.push(path);
            }
        }
        for nested in ["matrix", "merge"] {
            out.extend(git_directories(generator.get_path(&[nested, "generators"])));
        }
    }
    out
}

/// The objects an object makes the cluster create, where the repository can know their names:
/// the PersistentVolumeClaims of a StatefulSet, the Secrets that secret operators write
/// (cert-manager, External Secrets, Sealed Secrets, the Vault Secrets Operator, 1Password,
/// the Secrets Store CSI driver, the SOPS operator) and trust-manager's ConfigMaps and Secrets.
pub(super) fn created_by(object: &Object<'_>) -> Vec<Created> {
    let spec = object.root.get("spec");
    let name = object.name.unwrap_or_default();
    let secret = |n: Option<&str>| {
        n.filter(|n| !n.is_empty())
            .map(|n| Created::named(RefKind::Secret, n))
    };
    let names_in = |list: &str, key: &str| -> Vec<Created> {
        seq(spec.and_then(|s| s.get(list)))
            .iter()
            .filter_map(|item| secret(item.get(key).and_then(Node::as_str)))
            .collect()
    };
    let (group, kind) = (object.group(), object.kind.unwrap_or_default());
    match (group, kind) {
        ("apps", "StatefulSet") => seq(spec.and_then(|s| s.get("volumeClaimTemplates")))
            .iter()
            .filter_map(|t| str_at(Some(t), &["metadata", "name"]))
            .map(|template| Created {
                per_pod: true,
                ..Created::named(RefKind::PersistentVolumeClaim, template)
            })
            .collect(),
        ("cert-manager.io", "Certificate") => {
            secret(str_at(spec, &["secretName"])).into_iter().collect()
        }
        ("external-secrets.io", "ExternalSecret") => {
            secret(str_at(spec, &["target", "name"]).or(Some(name)))
                .into_iter()
                .collect()
        }
        ("external-secrets.io", "ClusterExternalSecret") => {
            let external = str_at(spec, &["externalSecretName"]).unwrap_or(name);
            secret(str_at(spec, &["externalSecretSpec", "target", "name"]).or(Some(external)))
                .map(|c| Created {
                    every_namespace: true,
                    ..c
                })
                .into_iter()
                .collect()
        }
        ("bitnami.com", "SealedSecret")
        | ("onepassword.com", "OnePasswordItem")
        | ("kubernetes-client.io", "ExternalSecret") => secret(Some(name)).into_iter().collect(),
        (
            "secrets.hashicorp.com",
            "VaultStaticSecret" | "VaultDynamicSecret" | "VaultPKISecret" | "HCPVaultSecretsApp",
        ) => secret(str_at(spec, &["destination", "name"]))
            .into_iter()
            .collect(),
        ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => {
            names_in("secretObjects", "secretName")
        }
        ("isindir.github.com", "SopsSecret") => names_in("secretTemplates", "name"),
        ("trust.cert-manager.io", "Bundle") => {
            let target = spec.and_then(|s| s.get("target"));
            [
                ("configMap", RefKind::ConfigMap),
                ("secret", RefKind::Secret),
            ]
            .into_iter()
            .filter(|(field, _)| target.and_then(|t| t.get(field)).is_some())
            .map(|(_, kind)| Created {
                every_namespace: true,
                ..Created::named(kind, name)
            })
            .collect()
        }
        _ => Vec::new(),
    }
}
