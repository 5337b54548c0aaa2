// A three-stage pipeline of goroutines joined by channels: a generator, a
// pool of workers that factor numbers, and a collector that orders the
// results (workers finish in any order, the output must not depend on it).
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

type factored struct {
	n       int
	factors []int
}

func factor(n int) []int {
	var fs []int
	for d := 2; d*d <= n; d++ {
		for n%d == 0 {
			fs = append(fs, d)
			n /= d
		}
	}
	if n > 1 {
		fs = append(fs, n)
	}
	return fs
}

func main() {
	// The count of numbers to factor and of workers: the arguments.
	count, workers := 40, 4
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			count = v
		}
	}
	if len(os.Args) > 2 {
		if v, err := strconv.Atoi(os.Args[2]); err == nil {
			workers = v
		}
	}

	numbers := make(chan int)
	results := make(chan factored, 8)
	go func() {
		for i := 0; i < count; i++ {
			numbers <- 1_000_000 + i*7919
		}
		close(numbers)
	}()

	var wg sync.WaitGroup
	perWorker := make([]int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := range numbers {
				perWorker[w]++
				results <- factored{n, factor(n)}
			}
		}(w)
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var all []factored
	for r := range results {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n < all[j].n })
	primes := 0
	for _, r := range all {
		parts := make([]string, len(r.factors))
		for i, f := range r.factors {
			parts[i] = strconv.Itoa(f)
		}
		if len(r.factors) == 1 {
			primes++
		}
		fmt.Printf("%d = %s\n", r.n, strings.Join(parts, " * "))
	}
	done := 0
	for _, c := range perWorker {
		done += c
	}
	fmt.Printf("%d numbers by %d workers, %d primes\n", done, workers, primes)

	// A ping-pong over unbuffered channels: strict alternation.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v * 2
		}
		close(pong)
	}()
	v := 1
	for i := 0; i < 10; i++ {
		ping <- v
		v = <-pong + 1
	}
	close(ping)
	fmt.Println("ping-pong", v)
	if primes == 0 {
		os.Exit(1)
	}
}
