//! No profile value can change the shape of the YAML: strings that YAML would read as
//! booleans, numbers, nulls, keys, comments, anchors, tags, documents or line breaks come back
//! out of the rendered files as exactly the same strings.

use std::collections::BTreeSet;
use std::fmt::Write;

use meshc::Source;
use serde_norway::Value;

/// Strings that break naive YAML templating, each valid as a header value to match on.
const HOSTILE: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "~",
    "null",
    "0x1F",
    "1e3",
    "0o17",
    "- x",
    "a: b",
    "#x",
    "\"q\"",
    "{}",
    "[]",
    "&a",
    "*a",
    "!!str",
    "---",
    "...",
    "'single'",
    "back\\slash",
    "? k",
    "| block",
    "> fold",
    "@at",
    "`tick`",
];

fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Sequence(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Mapping(map) => map.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        _ => {}
    }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[test]
fn hostile_strings_come_back_unchanged() {
    let mut profile = String::from(
        "[services.api]\nport = 8080\n[[services.api.callers]]\nnamespaces = [\"default\"]\n\
         [services.api.subsets.one]\nlabels = { version = \"one\" }\n\
         [services.api.priority]\nheader = \"x-priority\"\n",
    );
    profile.push_str("[services.api.priority.subsets]\n");
    for text in HOSTILE {
        writeln!(profile, "{} = \"one\"", toml_string(text)).unwrap();
    }
    // A regular expression may hold a newline; it must stay inside its scalar.
    profile.push_str(
        "[gateway]\nhosts = [\"api.example.com\"]\ncredential = \"tls\"\n\
         [gateway.cors]\nallow-origins = [\"https://a.example.com\"]\n",
    );
    let regexes = ["https://x\n- injected: true", "yes", "#comment"];
    writeln!(
        profile,
        "allow-origin-regexes = [{}]",
        regexes
            .iter()
            .map(|r| toml_string(r))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    profile.push_str("[gateway.routes.api]\nprefix = \"/\"\nservice = \"api\"\n");
    let source = Source::new("hostile.toml", profile);
    let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{e:?}"));
    let mut found = BTreeSet::new();
    for file in &compiled.files {
        for document in serde_norway::Deserializer::from_str(&file.content) {
            let value: Value = serde::Deserialize::deserialize(document).unwrap();
            strings(&value, &mut found);
        }
    }
    for text in HOSTILE.iter().chain(regexes.iter()) {
        assert!(
            found.contains(*text),
            "{text:?} did not come back as a string"
        );
    }
    assert!(!found.contains("injected"), "a newline created a key");
}
