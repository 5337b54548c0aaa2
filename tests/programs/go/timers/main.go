// Timers: time.Sleep, a select that times out with time.After, a Ticker
// and a context deadline. Every one waits through WASI poll_oneoff with a
// clock subscription; only properties are printed (elapsed at least the
// duration asked for), never the measured times.
package main

import (
	"context"
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	time.Sleep(30 * time.Millisecond)
	fmt.Println("slept at least 30ms:", time.Since(start) >= 30*time.Millisecond)

	never := make(chan int)
	start = time.Now()
	select {
	case <-never:
		fmt.Println("received from a channel nobody sends on")
	case <-time.After(20 * time.Millisecond):
		fmt.Println("timed out after at least 20ms:", time.Since(start) >= 20*time.Millisecond)
	}

	// The clock starts before the ticker: started after it, a delay
	// between the two (a loaded machine) lets the first tick land before
	// `start`, and three ticks then take less than 30ms after it.
	start = time.Now()
	ticker := time.NewTicker(10 * time.Millisecond)
	for i := 1; i <= 3; i++ {
		<-ticker.C
		fmt.Println("tick", i)
	}
	ticker.Stop()
	fmt.Println("three ticks took at least 30ms:", time.Since(start) >= 30*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Millisecond)
	defer cancel()
	done := make(chan string)
	go func() {
		<-ctx.Done()
		done <- ctx.Err().Error()
	}()
	fmt.Println("context:", <-done)
}
