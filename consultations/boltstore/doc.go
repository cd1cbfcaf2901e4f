// Package boltstore keeps parlabot's consultations, citizens and responses
// in one bbolt file: the consultations.Store the bot, the importer and the
// reports share.
//
// Bucket layout (all top-level buckets are created when the file is opened;
// values are JSON unless said otherwise, numbers are big-endian uint64):
//
//	consultations   slug -> consultation
//	responses       slug -> bucket: participant (pseudonym) -> response
//	completed       slug -> number of completed responses (uint64)
//	citizens        Telegram user id (uint64) -> citizen
//	updates         Telegram update id (uint64) -> when it was processed (Unix ns, uint64)
//	secrets         name -> 32 random bytes (raw)
//
// A consultation's responses bucket is created with the consultation, so a
// response can only be written for a consultation that exists. The completed
// counter is kept in the transaction that writes a response, so counting
// never scans. Processed updates older than a week are pruned.
package boltstore
