// Numbers: a sieve of primes, 64-bit Fibonacci with wrapping, integer
// division and bit operations, and float arithmetic printed with
// AssemblyScript's own number-to-string conversions.

function sieve(limit: i32): i32[] {
  const composite = new StaticArray<bool>(limit + 1);
  const primes: i32[] = [];
  for (let i = 2; i <= limit; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j <= limit; j += i) composite[j] = true;
  }
  return primes;
}

const primes = sieve(1000);
console.log("primes below 1000: " + primes.length.toString());
console.log("last five: " + primes.slice(-5).join(" "));

let a: u64 = 0;
let b: u64 = 1;
for (let i = 0; i < 100; i++) {
  const next = a + b;
  a = b;
  b = next;
}
console.log("fib(100) mod 2^64 = " + a.toString());
console.log("fib(100) as i64 = " + (<i64>a).toString());

const x: i32 = -17;
console.log("-17 / 5 = " + (x / 5).toString() + ", -17 % 5 = " + (x % 5).toString());
console.log("-17 >> 2 = " + (x >> 2).toString() + ", -17 >>> 28 = " + (<u32>x >>> 28).toString());
console.log("clz(1) = " + clz<i32>(1).toString() + ", popcnt(255) = " + popcnt<i32>(255).toString());
console.log("i32 max + 1 = " + (i32.MAX_VALUE + 1).toString());

console.log("0.1 + 0.2 = " + (0.1 + 0.2).toString());
console.log("1 / 3 = " + (1.0 / 3.0).toString());
console.log("sqrt(2) = " + Math.sqrt(2.0).toString());
console.log("2^0.5 = " + Math.pow(2.0, 0.5).toString());
console.log("1e21 = " + (1e21).toString() + ", 1e-7 = " + (1e-7).toString());
console.log("floor(-2.5) = " + Math.floor(-2.5).toString() + ", round(2.5) = " + Math.round(2.5).toString());
console.log("1 / 0 = " + (1.0 / 0.0).toString() + ", 0 / 0 = " + (0.0 / 0.0).toString());
console.log("f32 0.1 = " + (<f32>0.1).toString());

// The mean of the primes, and the harmonic sum of the first 1000 integers.
let sum: f64 = 0;
for (let i = 0; i < primes.length; i++) sum += <f64>primes[i];
console.log("mean prime = " + (sum / <f64>primes.length).toString());
let harmonic: f64 = 0;
for (let i = 1; i <= 1000; i++) harmonic += 1.0 / <f64>i;
console.log("H(1000) = " + harmonic.toString());
