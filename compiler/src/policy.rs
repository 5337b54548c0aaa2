//! Per-module policies: which imports a module may have (`--allow-import`)
//! and how far its memories may grow (`--max-memory`).
//!
//! A policy applies to every module of the image, or to one module when
//! written `name:VALUE`. A module's name is its file stem (`app.wasm` →
//! `app`) or the one chosen with `name=path.wasm` ([`ModuleSpec`]). Both
//! policies are decided at build time: the import allow-list is checked
//! against the module's import section, and the memory cap becomes a
//! constant of the module's descriptor that the runtime's `memory.grow`
//! compares with (the compare it does anyway against the declared maximum).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::CompiledModule;

/// The name a module has in an image: what `name:` policies and (later)
/// other modules' imports refer to it by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModuleName(String);

impl ModuleName {
    /// The file stem of `path` (`dir/app.wasm` → `app`).
    pub fn from_path(path: &Path) -> ModuleName {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        ModuleName(stem)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A module given on the command line: `path.wasm` (named by its file
/// stem) or `name=path.wasm`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleSpec {
    pub name: ModuleName,
    pub path: PathBuf,
}

impl ModuleSpec {
    /// Reads `name=path` or `path`. The text before the first `=` is a name
    /// only when it is one (non-empty, no `/`, no `:`, which policies use
    /// as their separator); otherwise the whole argument is a path.
    pub fn parse(arg: &str) -> ModuleSpec {
        if let Some((name, path)) = arg.split_once('=') {
            let is_name = !name.is_empty() && !name.contains(['/', ':']);
            if is_name && !path.is_empty() {
                return ModuleSpec {
                    name: ModuleName(name.to_string()),
                    path: PathBuf::from(path),
                };
            }
        }
        let path = PathBuf::from(arg);
        ModuleSpec {
            name: ModuleName::from_path(&path),
            path,
        }
    }
}

/// A policy value as written on the command line: for every module, or
/// for the module named before `:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scoped<T> {
    /// `None`: every module.
    pub module: Option<String>,
    pub value: T,
    /// The argument as given, for messages.
    pub text: String,
}

/// Splits `name:VALUE` (the name is everything before the first `:`).
fn split_scope(text: &str) -> Result<(Option<String>, &str), String> {
    match text.split_once(':') {
        Some(("", _)) => Err(format!(
            "`{text}`: the module name before `:` is empty (write NAME:VALUE, or the value alone for every module)"
        )),
        Some((name, value)) => Ok((Some(name.to_string()), value)),
        None => Ok((None, text)),
    }
}

/// Parses a `--max-memory` value: `[name:]PAGES`, 0 to 65536.
///
/// # Errors
/// A message for clap: not a number, negative, above 65536, empty name.
pub fn parse_max_memory(text: &str) -> Result<Scoped<u64>, String> {
    let (module, pages) = split_scope(text)?;
    let value: u64 = pages.parse().map_err(|_| {
        format!("`{pages}` is not a number of 64 KiB pages (0 to 65536, optionally NAME:PAGES)")
    })?;
    if value > wafer_abi::MAX_WASM_PAGES {
        return Err(format!(
            "{value} pages is more than 65536, the most a 32-bit memory can have (4 GiB)"
        ));
    }
    Ok(Scoped {
        module,
        value,
        text: text.to_string(),
    })
}

/// A glob over an import's `module.name`: `*` matches any run of
/// characters, `.` included (`env.*` matches `env.a.b`; `*_get` matches
/// `wasi_snapshot_preview1.random_get`), `?` exactly one character, and
/// every other character itself. There is no escape: `?` matches a
/// literal `*` or `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportPattern(String);

impl ImportPattern {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `import` (`module.name`) matches.
    pub fn matches(&self, import: &str) -> bool {
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = import.chars().collect();
        glob_matches(&pattern, &text)
    }
}

/// Wildcard matching with one backtracking point: the last `*` seen is
/// retried one character further each time the rest fails, which is
/// enough because a later `*` can absorb whatever an earlier one would
/// have (linear in practice, quadratic at worst).
fn glob_matches(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // (pattern index after the last `*`, text index it is retried from)
    let mut retry: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                retry = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match retry {
                Some((after_star, from)) => {
                    p = after_star;
                    t = from + 1;
                    retry = Some((after_star, from + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Parses an `--allow-import` value: `[name:]PATTERN`. To allow an import
/// whose module contains `:`, write the module name first (`app:a:b.*`).
///
/// # Errors
/// A message for clap: an empty pattern or an empty name.
pub fn parse_allow_import(text: &str) -> Result<Scoped<ImportPattern>, String> {
    let (module, pattern) = split_scope(text)?;
    if pattern.is_empty() {
        return Err(
            "an empty pattern allows no import (write a glob over `module.name`, e.g. `env.*`)"
                .to_string(),
        );
    }
    Ok(Scoped {
        module,
        value: ImportPattern(pattern.to_string()),
        text: text.to_string(),
    })
}

/// What one module may do, resolved from the command line's policies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModulePolicy {
    /// Pages its memories may grow to, and the flag that said so.
    pub max_memory: Option<Scoped<u64>>,
}

impl ModulePolicy {
    /// The cap for the module's descriptor (`MAX_WASM_PAGES`: none).
    pub fn max_memory_pages(&self) -> u64 {
        self.max_memory
            .as_ref()
            .map_or(wafer_abi::MAX_WASM_PAGES, |cap| cap.value)
    }
}

/// Every policy given for an image (or for `wafer compile`'s one module).
#[derive(Clone, Debug, Default)]
pub struct Policies {
    pub max_memory: Vec<Scoped<u64>>,
    pub allow_import: Vec<Scoped<ImportPattern>>,
}

impl Policies {
    /// Checks that every `name:` refers to a module in `modules`, and that
    /// no module is given two memory caps. Run before compiling.
    ///
    /// # Errors
    /// The first policy naming an unknown module (with the known ones), or
    /// the two caps given for the same module(s).
    pub fn check_names(&self, modules: &[ModuleName]) -> Result<()> {
        let named = self
            .max_memory
            .iter()
            .map(|p| ("--max-memory", p.module.as_deref(), p.text.as_str()))
            .chain(
                self.allow_import
                    .iter()
                    .map(|p| ("--allow-import", p.module.as_deref(), p.text.as_str())),
            );
        for (flag, module, text) in named {
            let Some(module) = module else { continue };
            if !modules.iter().any(|m| m.as_str() == module) {
                bail!(
                    "{flag} {text}: there is no module `{module}` (modules: {})",
                    quoted(modules.iter().map(ModuleName::as_str))
                );
            }
        }
        for (i, first) in self.max_memory.iter().enumerate() {
            if let Some(second) = self.max_memory[i + 1..]
                .iter()
                .find(|p| p.module == first.module)
            {
                let whom = match &first.module {
                    Some(m) => format!("module `{m}`"),
                    None => "every module".to_string(),
                };
                bail!(
                    "--max-memory is given twice for {whom} ({} and {}): give one",
                    first.text,
                    second.text
                );
            }
        }
        Ok(())
    }

    /// The policy of module `name`: its own `name:` cap, else the cap for
    /// every module.
    pub fn for_module(&self, name: &ModuleName) -> ModulePolicy {
        let own = self
            .max_memory
            .iter()
            .find(|p| p.module.as_deref() == Some(name.as_str()));
        let every = self.max_memory.iter().find(|p| p.module.is_none());
        ModulePolicy {
            max_memory: own.or(every).cloned(),
        }
    }

    /// Checks the compiled modules against the policies: each memory's
    /// minimum against its module's cap, each `--allow-import` pattern
    /// against the imports of the modules it applies to (a pattern that
    /// matches nothing is most likely a typo), then each import against
    /// its module's patterns.
    ///
    /// # Errors
    /// The first violation, with the numbers or the names.
    pub fn check(&self, modules: &[(&ModuleName, &CompiledModule)]) -> Result<()> {
        for (name, module) in modules {
            check_memory_minimum(name, module, &self.for_module(name))?;
        }
        for pattern in &self.allow_import {
            let covered: Vec<&(&ModuleName, &CompiledModule)> = modules
                .iter()
                .filter(|(name, _)| applies_to(pattern, name))
                .collect();
            let matched = covered.iter().any(|(_, m)| {
                import_names(m)
                    .iter()
                    .any(|import| pattern.value.matches(import))
            });
            if !matched {
                bail!("{}", unmatched_pattern(pattern, &covered));
            }
        }
        for (name, module) in modules {
            let patterns: Vec<&Scoped<ImportPattern>> = self
                .allow_import
                .iter()
                .filter(|p| applies_to(p, name))
                .collect();
            if patterns.is_empty() {
                continue;
            }
            for import in import_names(module) {
                if !patterns.iter().any(|p| p.value.matches(&import)) {
                    bail!(
                        "module `{name}` imports `{}`, which no --allow-import pattern allows (patterns: {})",
                        shown(&import),
                        quoted(patterns.iter().map(|p| p.text.as_str()))
                    );
                }
            }
        }
        Ok(())
    }
}

fn applies_to<T>(policy: &Scoped<T>, name: &ModuleName) -> bool {
    policy.module.as_deref().is_none_or(|m| m == name.as_str())
}

/// A module's imports as `module.name`, in declaration order.
fn import_names(module: &CompiledModule) -> Vec<String> {
    module
        .imports
        .iter()
        .map(|i| format!("{}.{}", i.module, i.field))
        .collect()
}

/// A name from the module as an error shows it: control characters (a
/// module is untrusted input) escaped, so the message stays one line and
/// cannot drive the terminal.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Names in backquotes, comma-separated; at most 8, then how many more.
pub fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    const SHOWN: usize = 8;
    let names: Vec<&str> = names.collect();
    let mut out: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{}`", shown(n)))
        .collect();
    if names.len() > SHOWN {
        out.push(format!("and {} more", names.len() - SHOWN));
    }
    out.join(", ")
}

fn unmatched_pattern(
    pattern: &Scoped<ImportPattern>,
    covered: &[&(&ModuleName, &CompiledModule)],
) -> String {
    let flag = format!("--allow-import {}", pattern.text);
    match covered {
        [(name, module)] => {
            let imports = import_names(module);
            let has = if imports.is_empty() {
                "it imports nothing".to_string()
            } else {
                format!(
                    "its imports: {}",
                    quoted(imports.iter().map(String::as_str))
                )
            };
            format!("{flag} matches no import of module `{name}` ({has})")
        }
        _ => format!(
            "{flag} matches no import of any module ({})",
            quoted(covered.iter().map(|(name, _)| name.as_str()))
        ),
    }
}

/// A memory the module defines must start within its cap: `memory.grow`
/// could never shrink it back under, so refusing it at build time says
/// what the image would otherwise only say when it starts.
fn check_memory_minimum(
    name: &ModuleName,
    module: &CompiledModule,
    policy: &ModulePolicy,
) -> Result<()> {
    let Some(cap) = &policy.max_memory else {
        return Ok(());
    };
    let cap_bytes = cap.value.saturating_mul(wafer_abi::WASM_PAGE_SIZE);
    for memory in &module.memories {
        if memory.min_bytes() > cap_bytes {
            let what = if memory.page_size_log2 == 16 {
                let p = memory.min_pages;
                format!("{p} page{}", if p == 1 { "" } else { "s" })
            } else {
                format!("{} bytes", memory.min_bytes())
            };
            bail!(
                "module `{name}` needs {what} of memory at start, more than --max-memory {}",
                cap.text
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::{ImportSummary, MemorySummary};
    use wafer_abi::descriptor::ExternKind;

    fn glob(pattern: &str, text: &str) -> bool {
        ImportPattern(pattern.to_string()).matches(text)
    }

    #[test]
    fn star_matches_any_run_including_dots_and_question_mark_one_character() {
        assert!(glob(
            "wasi_snapshot_preview1.fd_*",
            "wasi_snapshot_preview1.fd_write"
        ));
        assert!(!glob(
            "wasi_snapshot_preview1.fd_*",
            "wasi_snapshot_preview1.proc_exit"
        ));
        assert!(glob("env.*", "env.a.b"));
        assert!(glob("*_get", "wasi_snapshot_preview1.random_get"));
        assert!(glob("*", ""));
        assert!(glob("env.*", "env."));
        assert!(!glob("env.*", "env"));
        assert!(glob("env.led_?", "env.led_1"));
        assert!(!glob("env.led_?", "env.led_10"));
        assert!(!glob("env.led_?", "env.led_"));
        assert!(glob("e?v.*x*y", "env.axbxcy"));
        assert!(!glob("e?v.*x*y", "env.axbxc"));
        // Exact text without wildcards matches only itself.
        assert!(glob("env.f", "env.f"));
        assert!(!glob("env.f", "env.fg"));
        assert!(!glob("env.fg", "env.f"));
        // Backtracking past a partial match.
        assert!(glob("*aab", "aaab"));
        assert!(glob("a*b*c", "abxbyc"));
        // Characters, not bytes.
        assert!(glob("env.?", "env.é"));
    }

    #[test]
    fn max_memory_values_are_pages_with_an_optional_module() {
        let all = parse_max_memory("16").unwrap();
        assert_eq!((all.module, all.value), (None, 16));
        let one = parse_max_memory("app:0").unwrap();
        assert_eq!((one.module.as_deref(), one.value), (Some("app"), 0));
        assert_eq!(parse_max_memory("65536").unwrap().value, 65536);
        assert!(parse_max_memory("65537").unwrap_err().contains("65536"));
        assert!(
            parse_max_memory("-1")
                .unwrap_err()
                .contains("`-1` is not a number")
        );
        assert!(parse_max_memory("lots").unwrap_err().contains("`lots`"));
        assert!(parse_max_memory("app:").unwrap_err().contains("``"));
        assert!(
            parse_max_memory(":3")
                .unwrap_err()
                .contains("name before `:` is empty")
        );
    }

    #[test]
    fn allow_import_values_are_non_empty_patterns_with_an_optional_module() {
        let all = parse_allow_import("env.*").unwrap();
        assert_eq!((all.module, all.value.as_str()), (None, "env.*"));
        let one = parse_allow_import("app:env.led_*").unwrap();
        assert_eq!(one.module.as_deref(), Some("app"));
        assert_eq!(one.value.as_str(), "env.led_*");
        // A module name containing `:` needs the module name first.
        let colon = parse_allow_import("app:wasi:io.*").unwrap();
        assert_eq!(colon.value.as_str(), "wasi:io.*");
        assert!(
            parse_allow_import("")
                .unwrap_err()
                .contains("empty pattern")
        );
        assert!(
            parse_allow_import("app:")
                .unwrap_err()
                .contains("empty pattern")
        );
    }

    #[test]
    fn module_names_are_file_stems_or_chosen_with_name_equals() {
        assert_eq!(ModuleSpec::parse("dir/app.wasm").name.as_str(), "app");
        let chosen = ModuleSpec::parse("sensor=build/app.wasm");
        assert_eq!(chosen.name.as_str(), "sensor");
        assert_eq!(chosen.path, PathBuf::from("build/app.wasm"));
        // `=` inside a directory name is part of the path.
        let path = ModuleSpec::parse("out/a=b/app.wasm");
        assert_eq!(path.name.as_str(), "app");
        assert_eq!(path.path, PathBuf::from("out/a=b/app.wasm"));
        assert_eq!(ModuleSpec::parse("=app.wasm").name.as_str(), "=app");
    }

    fn module(imports: &[(&str, &str)], memories: &[u64]) -> CompiledModule {
        CompiledModule {
            prefix: "m".into(),
            target: crate::Target::parse("x86_64").unwrap(),
            object: Vec::new(),
            descriptor_symbol: String::new(),
            imports: imports
                .iter()
                .map(|(module, field)| ImportSummary {
                    module: module.to_string(),
                    field: field.to_string(),
                    kind: ExternKind::Func,
                    ty: ">".into(),
                    symbol: None,
                })
                .collect(),
            exports: Vec::new(),
            memories: memories
                .iter()
                .map(|&min_pages| MemorySummary {
                    min_pages,
                    max_pages: None,
                    page_size_log2: 16,
                    memory64: false,
                })
                .collect(),
            tables: Vec::new(),
            bounds_checks: crate::BoundsChecks::Explicit,
            stack_checks: crate::emit::StackChecks::Prologue,
        }
    }

    fn policies(max_memory: &[&str], allow_import: &[&str]) -> Policies {
        Policies {
            max_memory: max_memory
                .iter()
                .map(|t| parse_max_memory(t).unwrap())
                .collect(),
            allow_import: allow_import
                .iter()
                .map(|t| parse_allow_import(t).unwrap())
                .collect(),
        }
    }

    fn name(n: &str) -> ModuleName {
        ModuleName(n.to_string())
    }

    #[test]
    fn a_policy_for_an_unknown_module_names_the_known_ones() {
        let known = [name("app"), name("lib")];
        let err = policies(&["other:4"], &[])
            .check_names(&known)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--max-memory other:4: there is no module `other` (modules: `app`, `lib`)"
        );
        let err = policies(&[], &["env.*", "apq:env.*"])
            .check_names(&known)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--allow-import apq:env.*: there is no module `apq`"),
            "{err}"
        );
        assert!(
            policies(&["4", "lib:2"], &["app:env.*"])
                .check_names(&known)
                .is_ok()
        );
    }

    #[test]
    fn two_caps_for_the_same_modules_are_refused_and_a_named_cap_wins() {
        let known = [name("app"), name("lib")];
        let err = policies(&["4", "8"], &[]).check_names(&known).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--max-memory is given twice for every module (4 and 8): give one"
        );
        assert!(
            policies(&["app:4", "app:8"], &[])
                .check_names(&known)
                .is_err()
        );
        let p = policies(&["4", "lib:2"], &[]);
        assert_eq!(p.for_module(&name("app")).max_memory_pages(), 4);
        assert_eq!(p.for_module(&name("lib")).max_memory_pages(), 2);
        let none = policies(&["lib:2"], &[]);
        assert_eq!(
            none.for_module(&name("app")).max_memory_pages(),
            wafer_abi::MAX_WASM_PAGES
        );
    }

    #[test]
    fn a_memory_starting_above_its_cap_is_refused_with_the_numbers() {
        let app = name("app");
        let m = module(&[], &[17]);
        let err = policies(&["16"], &[]).check(&[(&app, &m)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "module `app` needs 17 pages of memory at start, more than --max-memory 16"
        );
        let err = policies(&["app:0"], &[])
            .check(&[(&app, &module(&[], &[1]))])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "module `app` needs 1 page of memory at start, more than --max-memory app:0"
        );
        assert!(policies(&["17"], &[]).check(&[(&app, &m)]).is_ok());
    }

    #[test]
    fn imports_outside_the_patterns_are_refused_naming_import_and_patterns() {
        let app = name("app");
        let m = module(
            &[
                ("wasi_snapshot_preview1", "fd_write"),
                ("env", "led_set"),
                ("env", "secret"),
            ],
            &[],
        );
        let err = policies(&[], &["wasi_snapshot_preview1.fd_*", "env.led_*"])
            .check(&[(&app, &m)])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "module `app` imports `env.secret`, which no --allow-import pattern allows (patterns: `wasi_snapshot_preview1.fd_*`, `env.led_*`)"
        );
        assert!(
            policies(&[], &["wasi_snapshot_preview1.fd_*", "app:env.*"])
                .check(&[(&app, &m)])
                .is_ok()
        );
        // No pattern: no allow-list.
        assert!(policies(&[], &[]).check(&[(&app, &m)]).is_ok());
    }

    #[test]
    fn control_characters_in_import_names_are_shown_escaped() {
        let app = name("app");
        let m = module(&[("env", "x"), ("env", "a\nb\u{1b}[2J")], &[]);
        let forbidden = policies(&[], &["env.x"])
            .check(&[(&app, &m)])
            .unwrap_err()
            .to_string();
        assert!(
            forbidden.contains(r"imports `env.a\nb\u{1b}[2J`"),
            "{forbidden}"
        );
        let typo = policies(&[], &["env.zz"])
            .check(&[(&app, &m)])
            .unwrap_err()
            .to_string();
        assert!(typo.ends_with(r"`env.x`, `env.a\nb\u{1b}[2J`)"), "{typo}");
        assert!(!typo.contains('\n') && !typo.contains('\u{1b}'), "{typo}");
    }

    #[test]
    fn a_pattern_matching_no_import_is_refused_as_a_probable_typo() {
        let app = name("app");
        let m = module(&[("env", "sensor_read")], &[]);
        let err = policies(&[], &["env.sensr_*"])
            .check(&[(&app, &m)])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--allow-import env.sensr_* matches no import of module `app` (its imports: `env.sensor_read`)"
        );
        let err = policies(&[], &["env.*"])
            .check(&[(&app, &module(&[], &[]))])
            .unwrap_err();
        assert!(err.to_string().ends_with("(it imports nothing)"), "{err}");
        // A pattern for every module needs to match in one of them only.
        let lib = name("lib");
        let bare = module(&[], &[]);
        let both = policies(&[], &["env.*"]);
        let err = both.check(&[(&app, &bare), (&lib, &bare)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--allow-import env.* matches no import of any module (`app`, `lib`)"
        );
        // ... but then it is the allow-list of the other module too.
        let err = both.check(&[
            (&app, &m),
            (
                &lib,
                &module(&[("wasi_snapshot_preview1", "fd_write")], &[]),
            ),
        ]);
        assert!(
            err.unwrap_err()
                .to_string()
                .starts_with("module `lib` imports")
        );
    }
}
