// A Go program for benches/codesize.py: fmt, strings, sort and
// encoding/json pull a few MB of the standard library into the module, as
// real Go firmware does. Built with GOOS=wasip1 GOARCH=wasm.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type record struct {
	Name  string   `json:"name"`
	Score int      `json:"score"`
	Tags  []string `json:"tags"`
}

func main() {
	var records []record
	for i := 0; i < 20; i++ {
		records = append(records, record{
			Name:  fmt.Sprintf("item-%02d", (i*7)%20),
			Score: (i * 37) % 101,
			Tags:  strings.Fields(strings.Repeat("t ", i%4+1)),
		})
	}
	sort.Slice(records, func(a, b int) bool { return records[a].Score > records[b].Score })
	text, err := json.Marshal(records[:3])
	if err != nil {
		fmt.Fprintln(os.Stderr, "marshal:", err)
		os.Exit(1)
	}
	var back []record
	if err := json.Unmarshal(text, &back); err != nil {
		fmt.Fprintln(os.Stderr, "unmarshal:", err)
		os.Exit(1)
	}
	fmt.Println(string(text), len(back))
}
