// Package bench holds loadcron's generator-only benchmarks (issue 11): the
// load target runs in a separate process, so what is measured is the
// generator's own CPU, allocations and memory, side by side with a plain
// net/http loop in the same run. It has no code of its own outside tests;
// see README.md for the commands and today's figures.
package bench
