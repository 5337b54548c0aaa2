//! Reading a `.wast` script into a [`Plan`]: the module binaries to compile
//! and the steps to run against them, in order.

use anyhow::{Context, Result, anyhow};

use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke};

use crate::expect::{self, Expect};

/// A module to compile: its binary, or the text error that makes it malformed.
#[derive(Debug)]
pub struct ModuleSource {
    pub line: usize,
    pub binary: Result<Vec<u8>, String>,
}

/// One step of a script.
#[derive(Debug)]
pub enum Step {
    /// Instantiate module `module` (index into [`Plan::modules`]), naming
    /// the instance `name`.
    Instantiate {
        line: usize,
        module: usize,
        name: Option<String>,
        expect: Expect,
    },
    Register {
        line: usize,
        name: String,
        instance: Option<String>,
    },
    Invoke {
        line: usize,
        instance: Option<String>,
        export: String,
        args: Result<Vec<String>, String>,
        expect: Expect,
    },
    Get {
        line: usize,
        instance: Option<String>,
        global: String,
        expect: Expect,
    },
    /// `assert_invalid` / `assert_malformed`: compiling must fail.
    MustNotCompile { line: usize, module: usize },
    /// A directive the harness does not run, with the reason.
    Unsupported { line: usize, reason: String },
    /// An `assert_invalid` of Wasm 2.0 that a proposal wafer compiles
    /// made valid ([`NOW_VALID`]): compiling must succeed.
    MustCompile {
        line: usize,
        module: usize,
        proposal: &'static str,
    },
}

/// `assert_invalid` messages of the core suite (Wasm 2.0) whose modules a
/// proposal wafer compiles makes valid, with that proposal: such a module
/// must now compile (a real check, not a skip).
pub const NOW_VALID: &[(&str, &str)] = &[("multiple memories", "multi-memory")];

/// `assert_malformed` modules of the suite that a proposal wafer compiles
/// makes well-formed, by file and line, with that proposal and why: they
/// must now compile. Multi-memory turns the reserved zero byte after
/// `memory.size`/`memory.grow` into a memory index (a LEB128, so an
/// overlong zero is index 0); memory64 reads memory limits as u64 LEB128s
/// (so 6 bytes are not overlong).
pub const NOW_WELL_FORMED: &[(&str, &[usize], &str)] = &[
    (
        "core/binary.wast",
        &[145, 165, 184, 203, 242, 261, 279, 297],
        "multi-memory",
    ),
    ("core/binary-leb128.wast", &[217, 225], "memory64"),
    // The exception-handling proposal's copy of core/binary.wast.
    (
        "proposals/exception-handling/binary.wast",
        &[145, 165, 184, 203, 242, 261, 279, 297],
        "multi-memory",
    ),
    ("proposals/multi-memory/binary0.wast", &[47], "memory64"),
];

/// A script ready to run.
#[derive(Debug, Default)]
pub struct Plan {
    pub modules: Vec<ModuleSource>,
    pub steps: Vec<Step>,
    /// Trap messages must equal the script's, not just start with it (the
    /// spec's rule). Our escape catalog (`escape_*.wast`) asks for this: a
    /// trap of the right kind with extra words would be a different trap.
    pub exact_trap_messages: bool,
}

impl Plan {
    /// Whether any module of the script defines or imports a linear
    /// memory. Without one, the bounds-check mode changes nothing in the
    /// compiled code (`tests/cli`, `bounds_mode_leaves_memoryless_code_alone`),
    /// so a second run in the other mode would test nothing new. A module
    /// that does not parse counts as having one.
    pub fn uses_memory(&self) -> bool {
        self.modules.iter().any(|m| match &m.binary {
            Ok(binary) => module_uses_memory(binary),
            Err(_) => false,
        })
    }
}

fn module_uses_memory(binary: &[u8]) -> bool {
    use wasmparser::{Parser, Payload, TypeRef};
    for payload in Parser::new(0).parse_all(binary) {
        match payload {
            Ok(Payload::MemorySection(memories)) if memories.count() > 0 => return true,
            Ok(Payload::ImportSection(imports)) => {
                for import in imports.into_imports() {
                    match import {
                        Ok(import) if !matches!(import.ty, TypeRef::Memory(_)) => {}
                        _ => return true,
                    }
                }
            }
            Ok(_) => {}
            Err(_) => return true,
        }
    }
    false
}

/// The trap message of an exception no handler caught (`assert_exception`).
pub const UNCAUGHT_EXCEPTION: &str = "uncaught exception";

/// File-name prefix of the scripts whose trap messages must match exactly.
pub const EXACT_TRAPS_PREFIX: &str = "escape_";

/// Parses `text` (from `path`, for messages) into a plan.
pub fn plan(text: &str) -> Result<Plan> {
    let mut lexer = Lexer::new(text);
    // names.wast uses bidirectional-override characters on purpose.
    lexer.allow_confusing_unicode(true);
    let buffer = ParseBuffer::new_with_lexer(lexer).map_err(|e| anyhow!("{e}"))?;
    let wast: Wast<'_> = parser::parse(&buffer).map_err(|e| anyhow!("{e}"))?;
    let mut plan = Plan::default();
    let line_of = |span: wast::token::Span| span.linecol_in(text).0 + 1;
    for directive in wast.directives {
        let line = line_of(directive.span());
        match directive {
            WastDirective::Module(module) => {
                let name = module.name().map(|id| id.name().to_string());
                let index = plan.add_module(line, module);
                plan.steps.push(Step::Instantiate {
                    line,
                    module: index,
                    name,
                    expect: Expect::Success,
                });
            }
            WastDirective::Register { name, module, .. } => plan.steps.push(Step::Register {
                line,
                name: name.to_string(),
                instance: module.map(|id| id.name().to_string()),
            }),
            WastDirective::Invoke(invoke) => plan.push_invoke(line, invoke, Expect::Success),
            WastDirective::AssertReturn { exec, results, .. } => {
                let expect = results
                    .iter()
                    .map(expect::pattern)
                    .collect::<Result<Vec<_>, _>>()
                    .map(Expect::Values);
                match expect {
                    Ok(expect) => plan.push_execute(line, exec, expect),
                    Err(reason) => plan.steps.push(Step::Unsupported { line, reason }),
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                plan.push_execute(line, exec, Expect::Trap(message.to_string()))
            }
            // An exception that leaves the export ends the call like a
            // trap, with this message (runtime-nostd/src/exceptions.rs).
            WastDirective::AssertException { exec, .. } => {
                plan.push_execute(line, exec, Expect::Trap(UNCAUGHT_EXCEPTION.to_string()))
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                plan.push_invoke(line, call, Expect::Trap(message.to_string()))
            }
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => {
                let index = plan.add_module(line, QuoteWat::Wat(module));
                plan.steps.push(Step::Instantiate {
                    line,
                    module: index,
                    name: None,
                    expect: Expect::Link(message.to_string()),
                });
            }
            WastDirective::AssertInvalid {
                module, message, ..
            } if NOW_VALID.iter().any(|(m, _)| *m == message) => {
                let proposal = NOW_VALID
                    .iter()
                    .find(|(m, _)| *m == message)
                    .map_or("", |(_, p)| *p);
                let index = plan.add_module(line, module);
                plan.steps.push(Step::MustCompile {
                    line,
                    module: index,
                    proposal,
                });
            }
            WastDirective::AssertInvalid { module, .. }
            | WastDirective::AssertMalformed { module, .. } => {
                let index = plan.add_module(line, module);
                plan.steps.push(Step::MustNotCompile {
                    line,
                    module: index,
                });
            }
            other => plan.steps.push(Step::Unsupported {
                line,
                reason: format!("directive not part of Wasm 2.0: {other:?}")
                    .chars()
                    .take(80)
                    .collect(),
            }),
        }
    }
    Ok(plan)
}

impl Plan {
    fn add_module(&mut self, line: usize, mut module: QuoteWat<'_>) -> usize {
        let binary = module.encode().map_err(|e| e.to_string());
        self.modules.push(ModuleSource { line, binary });
        self.modules.len() - 1
    }

    fn push_invoke(&mut self, line: usize, invoke: WastInvoke<'_>, expect: Expect) {
        let args = invoke
            .args
            .iter()
            .map(expect::argument)
            .collect::<Result<Vec<_>, _>>();
        self.steps.push(Step::Invoke {
            line,
            instance: invoke.module.map(|id| id.name().to_string()),
            export: invoke.name.to_string(),
            args,
            expect,
        });
    }

    fn push_execute(&mut self, line: usize, exec: WastExecute<'_>, expect: Expect) {
        match exec {
            WastExecute::Invoke(invoke) => self.push_invoke(line, invoke, expect),
            WastExecute::Get { module, global, .. } => self.steps.push(Step::Get {
                line,
                instance: module.map(|id| id.name().to_string()),
                global: global.to_string(),
                expect,
            }),
            WastExecute::Wat(wat) => {
                // assert_trap on a module: instantiation must trap.
                let index = self.add_module(line, QuoteWat::Wat(wat));
                self.steps.push(Step::Instantiate {
                    line,
                    module: index,
                    name: None,
                    expect,
                });
            }
        }
    }
}

/// Reads and plans a script file.
pub fn plan_file(path: &std::path::Path) -> Result<Plan> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    // The `wast` crate parses only the flat legacy `try` form.
    let text = if path
        .to_string_lossy()
        .contains("exception-handling/legacy/")
    {
        crate::legacy_try::unfold(&text)
    } else {
        text
    };
    let mut plan = plan(&text).with_context(|| format!("cannot parse {}", path.display()))?;
    plan.exact_trap_messages = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(EXACT_TRAPS_PREFIX));
    for (file, lines, proposal) in NOW_WELL_FORMED {
        if path.ends_with(file) {
            for step in &mut plan.steps {
                if let Step::MustNotCompile { line, module } = *step
                    && lines.contains(&line)
                {
                    *step = Step::MustCompile {
                        line,
                        module,
                        proposal,
                    };
                }
            }
        }
    }
    Ok(plan)
}
