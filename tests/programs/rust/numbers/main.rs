//! Floats, formatting, arguments, one environment variable, the clocks and
//! the exit code (random bytes are exercised by the C and Go programs): each argument is parsed as a number, the
//! statistics are printed with several float formats, and the exit code is
//! the count of arguments that were not numbers.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (numbers, rejected): (Vec<_>, Vec<_>) = args
        .iter()
        .map(|a| (a, a.parse::<f64>()))
        .partition(|(_, parsed)| parsed.is_ok());
    let values: Vec<f64> = numbers.into_iter().map(|(_, v)| v.unwrap()).collect();

    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let mean = if values.is_empty() { 0.0 } else { sum / n };
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n.max(1.0);
    println!("count {}", values.len());
    println!("sum {sum}");
    println!("mean {mean:.6}");
    println!("stddev {:.4e}", variance.sqrt());
    println!("sqrt2 {:.15}", 2f64.sqrt());
    println!("third {}", 1.0f64 / 3.0);
    println!("f32 third {}", 1.0f32 / 3.0);
    println!("pi {:+10.3}|{:<10.2}|{:^10.1}|", std::f64::consts::PI, -1.5, 0.25);
    println!("exp {:e} {:e}", 6.02214076e23f64, 1e-300f64);
    println!("special {} {} {}", f64::INFINITY, -f64::INFINITY, f64::NAN);
    println!("sin(1) {:.12} ln(10) {:.12}", 1f64.sin(), 10f64.ln());
    for (arg, _) in &rejected {
        println!("not a number: {arg}");
    }

    let unit = std::env::var("NUMBERS_UNIT").unwrap_or_else(|_| "none".into());
    println!("unit {unit}");

    // The clocks are real, so only their properties are printed: neither
    // goes back. (Bare-metal boards have no wall clock: their realtime clock
    // counts from boot, so the year cannot be compared with a native run.)
    let start = Instant::now();
    let later = Instant::now();
    println!("monotonic ok {}", later >= start);
    let wall = SystemTime::now();
    let wall_later = SystemTime::now();
    println!("wall clock ok {}", wall_later >= wall && wall >= UNIX_EPOCH);

    std::process::exit(rejected.len() as i32);
}
