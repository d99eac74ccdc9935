//! The sandbox's modules are layered one way: an import (`use crate::…`, `use super::…`, or a `crate::…` path in
//! code) may only point at the same layer or a lower one. This test reads `src/**/*.rs` (test modules left out)
//! and fails on an edge that runs upward, unless it is one of the few listed in [`EXCEPTIONS`], each with its
//! reason. The layers, from the bottom (ARCHITECTURE.md, "Layers"):
//!
//! | layer | modules | holds |
//! |---|---|---|
//! | 0 values | `reply`, `caller`, `clock`, `settings`, `origin` | protocol values: what a method answers, who calls, time, the rules, where a request comes from |
//! | 1 store | `store::*` | the databases, the core rows (meta, apps, merchants, buyers with their reservations, outbox, ledger, call log); knows no family |
//! | 2 core | `ids`, `faults`, `openid`, `accounts`, `shared`, `modes`, `defaults`, `error`, `notify::wire` | services over the core store: ids, injected faults, open ids, accounts, the shared-state generation, app modes and Alipay's certificates, the default app and `app.json`, `SandboxError`, a notification's signed body |
//! | 3 family stores | `products::<f>::store` | each family's rows, repository trait and migrations |
//! | 4 family base | `products::repo`, `products::error` | `Repo` (every repository in one trait), `SimError`, the families' component list |
//! | 5 engines | `products::<f>::*` | state machines, notifications, probes: no HTTP, no face's error type |
//! | 6 plug-ins | `products`, `products::contract`, `products::<f>` | the family contract (`Handler`, `Call`, `write`, `lookup`) and each family's `Handler` impls |
//! | 7 services | `notify`, `accept::*`, `control` | the outbox worker, the acceptance judge, clock/reset/sweep controls |
//! | 8 faces | `gateway`, `admin`, `console`, `cashier`, `products::<f>::admin`, `products::bill::download`, `accept`, `accept::probe`, `accept::arm` (routes under `/admin/accept`) | HTTP: the gateway, JSON controls, HTML pages |
//! | 9 root | `lib.rs` | `Sandbox`, the routers, `SandboxState` |
//!
//! Every layer may name the composition root's context types, `crate::SandboxState` (axum's usual app state) and
//! its `crate::Config`.
//! Within layer 5, one family's engine does not import another family's engine (it may read its store and use
//! its `errors`: deduct's methods are `alipay.ebpp.pdeduct.*` and answer with EBPP's codes).

#![allow(clippy::panic, clippy::indexing_slicing, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Upward edges that stay, each with why. `(from module, to module)`.
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// Names of the root module that any layer may import.
const ROOT_CONTEXT: &[&str] = &["SandboxState", "Config"];

fn layer(module: &str) -> u8 {
    let parts: Vec<&str> = module.split("::").filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => 9,
        ["reply" | "caller" | "clock" | "settings" | "origin", ..] => 0,
        ["store", ..] => 1,
        ["ids" | "faults" | "openid" | "accounts" | "shared" | "modes" | "defaults" | "error", ..] => 2,
        ["products", _, "store", ..] => 3,
        ["products", "repo" | "error", ..] => 4,
        ["products", "bill", "download", ..] | ["products", _, "admin", ..] => 8,
        ["products"] | ["products", "contract", ..] | ["products", _] => 6,
        ["products", _, ..] => 5,
        ["notify", "wire"] => 2,
        ["accept"] | ["accept", "probe" | "arm"] => 8,
        ["notify" | "accept" | "control", ..] => 7,
        ["gateway" | "admin" | "console" | "cashier", ..] => 8,
        _ => panic!("module {module} is in no layer: add it to the table of tests/layering.rs"),
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` → `a::b`; `src/lib.rs` → ``.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).collect();
    entries.sort_by_key(|e| e.as_ref().map(|e| e.path()).ok());
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
            out.push(path);
        }
    }
}

/// The file's code without comments, string contents and its `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    // Inline test modules run to the end of the file by this crate's convention.
    if let Some(at) = ["#[cfg(test)]\nmod ", "#[cfg(test)]\npub(crate) mod "].iter().filter_map(|m| rest.find(m)).min()
    {
        rest = &rest[..at];
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if rest[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if rest[i..].starts_with("/*") {
            i += rest[i..].find("*/").map_or(bytes.len() - i, |e| e + 2);
        } else if rest[i..].starts_with("r#\"") {
            i += 3 + rest[i + 3..].find("\"#").map_or(bytes.len() - i - 3, |e| e + 2);
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if bytes[i] == b'\'' && i + 2 < bytes.len() && (bytes[i + 2] == b'\'' || bytes[i + 1] == b'\\') {
            // A char literal ('"', '\'', '\n'); lifetimes ('a) pass through.
            let end = rest[i + 1..].find('\'').map_or(1, |e| e + 2);
            i += end.max(3);
        } else {
            let ch = rest[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Expands one `use` tree (`a::{b, c::{d, e as f}}`) into paths of segments.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> =
            tree[..open].split("::").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut base = prefix.to_vec();
        base.extend(head);
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let tree = tree.split(" as ").next().unwrap_or(tree);
        let mut path = prefix.to_vec();
        path.extend(tree.split("::").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
        out.push(path);
    }
}

/// Every path the code names from `crate::` or `super::`, as absolute segments.
fn paths_of(module: &str, code: &str) -> Vec<Vec<String>> {
    let here: Vec<String> = module.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
    // `super` of a.rs is its folder's module; of a/mod.rs, the parent of `a`.
    let parent = {
        let mut p = here.clone();
        p.pop();
        p
    };
    let mut raw = Vec::new();
    // `use` declarations, with their trees.
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before_ok = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric() && rest.as_bytes()[at - 1] != b'_';
        let tail = &rest[at + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if before_ok {
            let tree = tail[..end].trim();
            if tree.starts_with("crate::") || tree.starts_with("super::") || tree.starts_with("self::") {
                expand(tree, &[], &mut raw);
            }
        }
        rest = &tail[end.min(tail.len())..];
    }
    // `crate::a::b` and `super::a` paths in code.
    let bytes = code.as_bytes();
    for prefix in ["crate::", "super::"] {
        let mut i = 0;
        while let Some(at) = code[i..].find(prefix) {
            let at = i + at;
            let boundary =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b':');
            let mut end = at;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b':')
            {
                end += 1;
            }
            if boundary {
                raw.push(code[at..end].split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect());
            }
            i = end.max(at + 1);
        }
    }
    raw.into_iter()
        .map(|mut p| {
            let mut abs = match p.first().map(String::as_str) {
                Some("crate") => Vec::new(),
                Some("super") => {
                    let mut base = parent.clone();
                    p.remove(0);
                    while p.first().is_some_and(|s| s == "super") {
                        base.pop();
                        p.remove(0);
                    }
                    p.insert(0, "crate".into());
                    base
                }
                Some("self") => here.clone(),
                _ => Vec::new(),
            };
            abs.extend(p.into_iter().skip(1));
            abs
        })
        .filter(|p: &Vec<String>| !p.is_empty())
        .collect()
}

/// The module a path points into: its longest prefix that is a module of the crate.
fn target_module(modules: &BTreeSet<String>, path: &[String]) -> String {
    (0..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m)).unwrap_or_default()
}

fn family_engine(module: &str) -> Option<&str> {
    let parts: Vec<&str> = module.split("::").collect();
    match parts.as_slice() {
        ["products", family, rest, ..] if layer(module) == 5 && !matches!(*rest, "store" | "errors") => Some(family),
        _ => None,
    }
}

struct Edge {
    from: String,
    to: String,
    path: String,
}

fn edges() -> Vec<Edge> {
    let src = Path::new(option_env!("CARGO_MANIFEST_DIR").unwrap_or(".")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for path in paths_of(&module, &code_of(&text)) {
            let to = target_module(&modules, &path);
            if to != module {
                edges.push(Edge { from: module.clone(), to, path: path.join("::") });
            }
        }
    }
    edges
}

fn upward(edges: &[Edge]) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut bad: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for e in edges {
        if e.to.is_empty() {
            let name = e.path.rsplit("::").next().unwrap_or_default();
            if e.path.split("::").count() == 1 && ROOT_CONTEXT.contains(&name) {
                continue;
            }
        }
        let rises = layer(&e.to) > layer(&e.from);
        let crosses_engines = match (family_engine(&e.from), family_engine(&e.to)) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        let excepted = EXCEPTIONS.iter().any(|(f, t, _)| *f == e.from && *t == e.to);
        if (rises || crosses_engines) && !excepted {
            bad.entry((e.from.clone(), e.to.clone())).or_default().insert(e.path.clone());
        }
    }
    bad
}

#[test]
fn imports_point_down_the_layers() {
    let edges = edges();
    assert!(edges.len() > 100, "the reader found only {} edges: it is broken", edges.len());
    let bad = upward(&edges);
    let report: Vec<String> = bad
        .iter()
        .map(|((from, to), paths)| {
            let names: Vec<&str> = paths.iter().map(String::as_str).collect();
            format!("  {from} (L{}) -> {to} (L{}): {}", layer(from), layer(to), names.join(", "))
        })
        .collect();
    assert!(report.is_empty(), "{} upward edges:\n{}", report.len(), report.join("\n"));
}

#[test]
fn every_exception_is_still_needed() {
    let edges = edges();
    for (from, to, why) in EXCEPTIONS {
        assert!(
            edges.iter().any(|e| e.from == *from && e.to == *to),
            "exception {from} -> {to} ({why}) no longer has an edge: delete it"
        );
    }
}

/// The reader itself: a grouped `use` and a `super` path resolve to the modules they name.
#[test]
fn the_reader_expands_use_trees() {
    let code = "use crate::{store::{Repo, sql::Value}, products::trade as t};\nuse super::engine::run;\nfn f() { crate::clock::now(); }";
    let paths: BTreeSet<String> = paths_of("products::trade::admin", code).into_iter().map(|p| p.join("::")).collect();
    let want = ["store::Repo", "store::sql::Value", "products::trade", "products::trade::engine::run", "clock::now"];
    assert_eq!(paths, want.into_iter().map(str::to_owned).collect());
    assert_eq!(code_of("a // crate::x\n\"crate::y\" b"), "a \n b");
}
