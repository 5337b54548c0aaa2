// Arrays, maps and string building: a roster of names is sorted, grouped by
// first letter in a Map, and printed with padding, joins and replacements;
// the arguments are echoed upper-cased and the exit code is their count.

const roster: string[] = [
  "grace", "alan", "ada", "barbara", "edsger", "donald", "frances",
  "john", "ken", "dennis", "niklaus", "tony", "anita", "radia",
];

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const names = roster.map<string>((s: string) => capitalize(s));
names.sort((a: string, b: string): i32 => (a < b ? -1 : a > b ? 1 : 0));
console.log("sorted: " + names.join(", "));

const byLetter = new Map<string, string[]>();
for (let i = 0; i < names.length; i++) {
  const letter = names[i].charAt(0);
  if (!byLetter.has(letter)) byLetter.set(letter, []);
  byLetter.get(letter).push(names[i]);
}
const letters = byLetter.keys();
letters.sort();
for (let i = 0; i < letters.length; i++) {
  const group = byLetter.get(letters[i]);
  console.log(letters[i] + " " + group.length.toString().padStart(2, "0") + " " + group.join("|"));
}

let longest = "";
let letterCount = 0;
for (let i = 0; i < names.length; i++) {
  if (names[i].length > longest.length) longest = names[i];
  letterCount += names[i].length;
}
console.log("longest " + longest + ", " + letterCount.toString() + " letters in all");
console.log("[" + "ab".repeat(3) + "] [" + "x".padEnd(4, ".") + "] [" + "a-b-c".replaceAll("-", "+") + "]");
console.log("split " + "one two  three".split(" ").length.toString() + " " + "Ada".toLowerCase().indexOf("d").toString());
const reversed = names.slice(0, 3).reverse();
console.log("first three reversed: " + reversed.join(" "));
console.log("unicode " + "caf\u00e9 \u2603".length.toString() + " " + String.fromCharCode(0x263a));

const args = process.argv.slice(1);
for (let i = 0; i < args.length; i++) {
  console.log("arg " + i.toString() + ": " + args[i].toUpperCase());
}
const who = process.env.has("STRINGS_WHO") ? process.env.get("STRINGS_WHO") : "nobody";
console.log("who " + who);
process.exit(args.length);
