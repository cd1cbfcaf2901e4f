// Package consultations is parlabot's domain: commitments, consultations,
// questions, citizens' responses and the rules that keep them consistent.
//
// It imports no Telegram, no database and no translation code: the bot and
// the store depend on it, never the reverse.
package consultations
