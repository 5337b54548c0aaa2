// tally counts the words of its stdin, read to the end of file: a reader
// goroutine sends lines over a channel to a counting goroutine, which
// hands back a map; the words are printed by count (then alphabetically)
// with their share as a percentage. Tokens with digits are ignored and
// reported on stderr.
//
//	-top N     print the N most frequent words (default 5)
//	-want FILE report the count of each word listed in FILE; exit code 3
//	           if one of them never occurs
//	-out FILE  write every word and its count to FILE, then read it back
//
// Exit code: 0, 3 (a wanted word is missing), 1 (a file cannot be read or
// written), 2 (usage).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

type counted struct {
	word  string
	count int
}

// countWords receives lines until the channel closes, then sends the
// counts and the number of ignored tokens.
func countWords(lines <-chan string, done chan<- map[string]int, ignored chan<- int) {
	counts := map[string]int{}
	skipped := 0
	for line := range lines {
		for _, token := range strings.FieldsFunc(line, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
		}) {
			if strings.IndexFunc(token, unicode.IsDigit) >= 0 {
				skipped++
				continue
			}
			counts[strings.ToLower(token)]++
		}
	}
	done <- counts
	ignored <- skipped
}

func ranked(counts map[string]int) []counted {
	all := make([]counted, 0, len(counts))
	for w, c := range counts {
		all = append(all, counted{w, c})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].word < all[j].word
	})
	return all
}

func main() {
	flags := flag.NewFlagSet("tally", flag.ContinueOnError)
	flags.SetOutput(os.Stderr)
	top := flags.Int("top", 5, "how many words to print")
	want := flags.String("want", "", "file of words to look up")
	out := flags.String("out", "", "file to write the counts to")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}

	lines := make(chan string)
	done := make(chan map[string]int)
	ignored := make(chan int)
	go countWords(lines, done, ignored)
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		lines <- scanner.Text()
	}
	close(lines)
	counts, skipped := <-done, <-ignored
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "tally: reading stdin:", err)
		os.Exit(1)
	}
	if skipped > 0 {
		fmt.Fprintf(os.Stderr, "tally: ignored %d token(s) with digits\n", skipped)
	}

	all := ranked(counts)
	total := 0
	for _, c := range all {
		total += c.count
	}
	fmt.Printf("%d words, %d distinct\n", total, len(all))
	for i, c := range all {
		if i == *top {
			break
		}
		fmt.Printf("%-8s %3d %5.1f%%\n", c.word, c.count, 100*float64(c.count)/float64(total))
	}

	code := 0
	if *want != "" {
		text, err := os.ReadFile(*want)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tally: cannot read %s\n", *want)
			os.Exit(1)
		}
		for _, w := range strings.Fields(string(text)) {
			fmt.Printf("want %s: %d\n", w, counts[w])
			if counts[w] == 0 {
				fmt.Fprintf(os.Stderr, "tally: %s never occurs\n", w)
				code = 3
			}
		}
	}
	if *out != "" {
		var b strings.Builder
		for _, c := range all {
			fmt.Fprintf(&b, "%s %d\n", c.word, c.count)
		}
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "tally: cannot write %s\n", *out)
			os.Exit(1)
		}
		back, err := os.ReadFile(*out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tally: cannot read back %s\n", *out)
			os.Exit(1)
		}
		fmt.Printf("wrote %s: %d bytes, %d lines, same %t\n", *out, len(back),
			strings.Count(string(back), "\n"), string(back) == b.String())
	}
	os.Exit(code)
}
