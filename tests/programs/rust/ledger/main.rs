//! A small ledger: reads `date,account,amount` lines from stdin to its end,
//! sums the amounts per account (a BTreeMap, so the report is sorted) and
//! prints totals and means with two decimals. Lines it cannot parse are
//! reported on stderr and skipped.
//!
//! `--budget FILE` reads `account limit` lines and flags accounts over
//! their limit; `--report FILE` writes the report to FILE, then reads it
//! back and prints its size. Exit code: 1 if a line was skipped, plus 2 if
//! an account is over budget; 64 for a usage error.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::ExitCode;

#[derive(Default)]
struct Account {
    total: f64,
    entries: u32,
}

struct Options {
    budget: Option<String>,
    report: Option<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        budget: None,
        report: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--budget" => &mut options.budget,
            "--report" => &mut options.report,
            other => return Err(format!("unknown argument {other:?}")),
        };
        *slot = Some(args.next().ok_or(format!("{arg} needs a file"))?);
    }
    Ok(options)
}

/// One ledger line: (account, amount), or why it is not one.
fn parse_line(line: &str) -> Result<(&str, f64), String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [_date, account, amount] = fields[..] else {
        return Err(format!("{} fields, want 3", fields.len()));
    };
    if account.is_empty() {
        return Err("empty account".into());
    }
    let amount: f64 = amount
        .parse()
        .map_err(|_| format!("amount {amount:?} is not a number"))?;
    Ok((account, amount))
}

/// `account limit` lines; blank lines and `#` comments are ignored.
fn read_budget(path: &str) -> Result<BTreeMap<String, f64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {}", e.kind()))?;
    let mut limits = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(account), Some(limit)) = (words.next(), words.next()) else {
            return Err(format!("{path}: bad line {line:?}"));
        };
        let limit: f64 = limit
            .parse()
            .map_err(|_| format!("{path}: bad limit {limit:?}"))?;
        limits.insert(account.to_string(), limit);
    }
    Ok(limits)
}

fn run(options: &Options) -> Result<u8, String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("stdin: {}", e.kind()))?;

    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let mut skipped = 0;
    for (number, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok((name, amount)) => {
                let account = accounts.entry(name.to_string()).or_default();
                account.total += amount;
                account.entries += 1;
            }
            Err(why) => {
                eprintln!("ledger: line {}: {why}; skipped", number + 1);
                skipped += 1;
            }
        }
    }

    let mut report = String::new();
    let mut grand = 0.0;
    for (name, account) in &accounts {
        let mean = account.total / f64::from(account.entries);
        report += &format!(
            "{name:<10} {:>3} entries {:>10.2} mean {:>9.3}\n",
            account.entries, account.total, mean
        );
        grand += account.total;
    }
    report += &format!("{:<10} {:>22.2}\n", "total", grand);
    print!("{report}");

    let mut over = false;
    if let Some(path) = &options.budget {
        for (name, limit) in read_budget(path)? {
            let spent = accounts.get(&name).map_or(0.0, |a| a.total);
            if spent > limit {
                println!(
                    "over budget: {name} by {:.2} ({:.1}%)",
                    spent - limit,
                    100.0 * spent / limit
                );
                over = true;
            } else {
                println!("within budget: {name}, {:.2} left", limit - spent);
            }
        }
    }
    if let Some(path) = &options.report {
        std::fs::write(path, &report).map_err(|e| format!("{path}: {}", e.kind()))?;
        let back = std::fs::read_to_string(path).map_err(|e| format!("{path}: {}", e.kind()))?;
        println!(
            "report written: {} bytes, {} lines, same: {}",
            back.len(),
            back.lines().count(),
            back == report
        );
    }
    if skipped > 0 {
        eprintln!("ledger: {skipped} line(s) skipped");
    }
    Ok(u8::from(skipped > 0) + 2 * u8::from(over))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(why) => {
            eprintln!("ledger: {why}");
            return ExitCode::from(64);
        }
    };
    match run(&options) {
        Ok(code) => ExitCode::from(code),
        Err(why) => {
            eprintln!("ledger: {why}");
            ExitCode::from(66)
        }
    }
}
