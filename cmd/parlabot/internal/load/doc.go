// Package load measures what one machine holds: it plays thousands of
// citizens answering the reference consultation through bot/telegramtest,
// against the real bot running as a separate process (so that its CPU time
// and memory are its own), and against a null bot that only acknowledges
// updates, over long polling and over a webhook. It reports taps and
// answers per second, the latency from a citizen's tap to the bot's
// reaction, the bot's CPU seconds, peak memory and database size, and the
// bot's rate as a share of the null bot's.
//
// `parlabot loadtest` is its command line; the child processes are the
// same binary's `run` and `nullbot` subcommands.
package load
