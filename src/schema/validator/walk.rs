//! The walk of a node against a schema: every keyword, `$ref`s followed, list-map keys, each
//! failure with the path to its node.

use super::*;

/// A step of the path to the node being validated, borrowed from the tree.
#[derive(Clone)]
pub(super) enum Step<'n> {
    Key(Cow<'n, str>),
    Index(usize),
}

/// Validates `node` against `schema`; the failures, in the order found.
pub fn validate<'n>(schema: &Schema, defs: &dyn Definitions, node: &'n Node) -> Vec<Failure<'n>> {
    let mut walk = Walk {
        defs,
        path: Vec::new(),
        failures: Vec::new(),
    };
    walk.check(schema, node, 0);
    walk.failures
}

pub(super) struct Walk<'d, 'n> {
    defs: &'d dyn Definitions,
    path: Vec<Step<'n>>,
    failures: Vec<Failure<'n>>,
}

/// `$ref`s followed without descending into the value: more means a reference cycle.
pub(super) const MAX_HOPS: u8 = 32;

impl<'n> Walk<'_, 'n> {
    pub(super) fn fail(&mut self, node: &'n Node, kind: FailureKind) {
        let path = self
            .path
            .iter()
            .map(|s| match s {
                Step::Key(k) => Segment::Key(k.clone().into_owned()),
                Step::Index(i) => Segment::Index(*i),
            })
            .collect();
        self.failures.push(Failure { path, kind, node });
    }

    /// Whether `node` is valid against `schema`, without recording why not.
    pub(super) fn passes(&mut self, schema: &Schema, node: &'n Node, hops: u8) -> bool {
        let mark = self.failures.len();
        self.check(schema, node, hops);
        let valid = self.failures.len() == mark;
        self.failures.truncate(mark);
        valid
    }

    pub(super) fn check(&mut self, schema: &Schema, node: &'n Node, hops: u8) {
        if schema.never {
            return self.fail(node, FailureKind::FalseSchema);
        }
        if let Some(id) = schema.reference
            && hops < MAX_HOPS
            && let Some(target) = self.defs.compiled(id)
        {
            // A definition's failures are the object's; a cycle without progress stops.
            self.check(target, node, hops + 1);
        }
        let types = types_of_node(node);
        if let Some(expected) = schema.types
            && expected.0 & types == 0
        {
            // A value of the wrong type: nothing else about it is worth saying.
            return self.fail(node, FailureKind::Type { expected });
        }
        if let Some(options) = &schema.enumeration
            && !options.iter().any(|o| equals(node, o))
        {
            self.fail(
                node,
                FailureKind::Enum {
                    options: options.clone(),
                },
            );
        }
        match &node.value {
            Yaml::Map(entries) => self.check_object(schema, node, entries),
            Yaml::Seq(items) => {
                if let Some(item_schema) = &schema.items {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Step::Index(i));
                        self.check(item_schema, item, 0);
                        self.path.pop();
                    }
                }
            }
            _ => {}
        }
        if let Some(rare) = &schema.rare {
            self.check_rare(rare, node, hops);
        }
    }

    pub(super) fn check_object(
        &mut self,
        schema: &Schema,
        node: &'n Node,
        entries: &'n [crate::load::tree::Entry],
    ) {
        // Keys that are not strings in YAML (`on:`, `1:`) become strings in JSON, where a later
        // key of the same text replaces an earlier one; string keys are already unique.
        let all_strings = entries.iter().all(|e| matches!(e.key.value, Yaml::Str(_)));
        let mut unexpected: Vec<String> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let Some(key) = entry.key.key_string() else {
                continue;
            };
            if !all_strings
                && entries[i + 1..]
                    .iter()
                    .any(|later| later.key.key_string().as_deref() == Some(&*key))
            {
                continue;
            }
            let sub = match schema.property(&key) {
                Some(sub) => sub,
                None => match &schema.additional {
                    Additional::Any => continue,
                    Additional::Forbidden => {
                        unexpected.push(key.into_owned());
                        continue;
                    }
                    Additional::Schema(sub) => sub,
                },
            };
            self.path.push(Step::Key(key));
            self.check(sub, &entry.value, 0);
            self.path.pop();
        }
        if !unexpected.is_empty() {
            self.fail(node, FailureKind::AdditionalProperties { unexpected });
        }
        for name in &schema.required {
            if node.entry(name).is_none() {
                self.fail(
                    node,
                    FailureKind::Required {
                        property: name.to_string(),
                    },
                );
            }
        }
    }

    pub(super) fn check_rare(&mut self, rare: &Rare, node: &'n Node, hops: u8) {
        if let Some(expected) = &rare.constant
            && !equals(node, expected)
        {
            self.fail(
                node,
                FailureKind::Const {
                    expected: expected.clone(),
                },
            );
        }
        if let Some(value) = number_of(node) {
            self.check_number(rare, node, value);
        }
        match &node.value {
            Yaml::Str(s) => {
                let check_length = rare.min_length.is_some() || rare.max_length.is_some();
                let length = if check_length {
                    s.chars().count() as u64
                } else {
                    0
                };
                if let Some(limit) = rare.min_length
                    && length < limit
                {
                    self.fail(node, FailureKind::MinLength { limit });
                }
                if let Some(limit) = rare.max_length
                    && length > limit
                {
                    self.fail(node, FailureKind::MaxLength { limit });
                }
                // `${VAR}`: a placeholder substituted before the object is applied (Flux).
                if rare.format_byte
                    && !s.contains("${")
                    && let Some(at) = crate::k8s::validate::base64_error(s)
                {
                    self.fail(node, FailureKind::Base64 { at });
                }
                if let Some((pattern, regex)) = &rare.pattern
                    && !regex.is_match(s)
                {
                    self.fail(
                        node,
                        FailureKind::Pattern {
                            pattern: pattern.clone(),
                        },
                    );
                }
            }
            Yaml::Seq(items) => self.check_array(rare, node, items),
            Yaml::Map(entries) => {
                let count = entries
                    .iter()
                    .filter(|e| e.key.key_string().is_some())
                    .count() as u64;
                if let Some(limit) = rare.min_properties
                    && count < limit
                {
                    self.fail(node, FailureKind::MinProperties { limit });
                }
                if let Some(limit) = rare.max_properties
                    && count > limit
                {
                    self.fail(node, FailureKind::MaxProperties { limit });
                }
            }
            _ => {}
        }
        for sub in &rare.all_of {
            self.check(sub, node, hops);
        }
        if !rare.any_of.is_empty() && !rare.any_of.iter().any(|b| self.passes(b, node, hops)) {
            self.fail(
                node,
                FailureKind::AnyOf {
                    branches: rare.any_of.len(),
                },
            );
        }
        if !rare.one_of.is_empty() {
            let valid = rare
                .one_of
                .iter()
                .filter(|b| self.passes(b, node, hops))
                .count();
            let branches = rare.one_of.len();
            match valid {
                1 => {}
                0 => self.fail(node, FailureKind::OneOfNone { branches }),
                valid => self.fail(node, FailureKind::OneOfMany { branches, valid }),
            }
        }
        if let Some(not) = &rare.not
            && self.passes(not, node, hops)
        {
            self.fail(node, FailureKind::Not);
        }
    }

    pub(super) fn check_number(&mut self, rare: &Rare, node: &'n Node, value: f64) {
        let limit_of = |n: &Number| n.as_f64().unwrap_or(f64::NAN);
        if let Some(limit) = &rare.minimum
            && value < limit_of(limit)
        {
            self.fail(
                node,
                FailureKind::Minimum {
                    limit: limit.clone(),
                },
            );
        }
        if let Some(limit) = &rare.maximum
            && value > limit_of(limit)
        {
            self.fail(
                node,
                FailureKind::Maximum {
                    limit: limit.clone(),
                },
            );
        }
        if let Some(limit) = &rare.exclusive_minimum
            && value <= limit_of(limit)
        {
            self.fail(
                node,
                FailureKind::ExclusiveMinimum {
                    limit: limit.clone(),
                },
            );
        }
        if let Some(limit) = &rare.exclusive_maximum
            && value >= limit_of(limit)
        {
            self.fail(
                node,
                FailureKind::ExclusiveMaximum {
                    limit: limit.clone(),
                },
            );
        }
        if let Some(multiple_of) = rare.multiple_of {
            let is_multiple = match node.value {
                Yaml::Int(i) if multiple_of.fract() == 0.0 => i % (multiple_of as i128) == 0,
                _ => (value / multiple_of).fract() == 0.0,
            };
            if !is_multiple {
                self.fail(node, FailureKind::MultipleOf { multiple_of });
            }
        }
    }

    pub(super) fn check_array(&mut self, rare: &Rare, node: &'n Node, items: &'n [Node]) {
        let count = items.len() as u64;
        if let Some(limit) = rare.min_items
            && count < limit
        {
            self.fail(node, FailureKind::MinItems { limit });
        }
        if let Some(limit) = rare.max_items
            && count > limit
        {
            self.fail(node, FailureKind::MaxItems { limit });
        }
        if rare.unique_items && items.len() > 1 {
            let values: Vec<Value> = items.iter().map(Node::to_json).collect();
            let repeated =
                (1..values.len()).any(|i| values[..i].iter().any(|v| json_equal(v, &values[i])));
            if repeated {
                self.fail(node, FailureKind::UniqueItems);
            }
        }
        if let Some(list_map) = &rare.list_map
            && let Some((index, first, key)) = list_map.duplicate(items)
        {
            self.fail(node, FailureKind::DuplicateListMapKey { index, first, key });
        }
    }
}

impl ListMap {
    /// The first item whose key an earlier item has, with that earlier item and the key.
    pub(super) fn duplicate(&self, items: &[Node]) -> Option<(usize, usize, Map<String, Value>)> {
        if self.keys.is_empty() {
            return None;
        }
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if !item.is_map() {
                continue;
            }
            let key: Map<String, Value> = self
                .keys
                .iter()
                .map(|k| {
                    let v = item
                        .get(k)
                        .map(Node::to_json)
                        .or_else(|| self.defaults.get(k).cloned());
                    (k.clone(), v.unwrap_or(Value::Null))
                })
                .collect();
            match seen.entry(Value::Object(key.clone()).to_string()) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    return Some((i, *first.get(), key));
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        None
    }
}
