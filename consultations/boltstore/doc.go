// Package boltstore keeps parlabot's consultations, citizens and responses
// in one bbolt file: the consultations.Store the bot, the importer and the
// reports share.
//
// Bucket layout (all top-level buckets are created when the file is opened;
// values are JSON unless said otherwise, numbers and sequence numbers are
// big-endian uint64):
//
//	consultations   slug -> consultation
//	responses       slug -> bucket: sequence number -> response
//	participants    slug -> bucket: participant (pseudonym) -> sequence number of their response
//	completed       slug -> number of completed responses (uint64)
//	citizens        Telegram user id (uint64) -> sequence number of their latest session (uint64, 0: none yet), then the citizen
//	sessions        sequence number -> session in progress
//	updates         Telegram update id (uint64) -> when it was processed (Unix ns, uint64)
//	secrets         name -> 32 random bytes (raw)
//	staff           Telegram user id -> roles granted in chat
//	audit           sequence number -> audit entry (append only)
//	subscribers     Telegram user id -> subscriber (chat, language): an index of citizens with Subscribed
//	usernames       @username, lower case -> Telegram user id (uint64): an index for /grant @name
//	broadcasts      broadcast id -> broadcast, with its counters
//	outbox          broadcast id -> bucket: Telegram user id -> delivery
//	pending         broadcast id -> bucket: Telegram user id -> nothing, for each delivery still pending
//
// Every answer rewrites its response and its citizen's session, so those
// are keyed by sequence numbers (each bucket's NextSequence) given out when
// a response or a session starts: the responses and sessions answered at
// the same time sit next to each other, and a commit of many answers writes
// few pages where keys by pseudonym or user id would dirty one page each. A
// response's sequence number is written once, in participants. A citizen
// record is rewritten only when a session starts or the citizen's settings
// change; a session that ends is deleted and its number, never given out
// again, stays with the citizen. EachResponse gives responses in the order
// they were started.
//
// A consultation's responses and participants buckets are created with the
// consultation, so a response can only be written for a consultation that
// exists. The completed counter is kept in the transaction that writes a
// response, so counting never scans. Processed updates older than a week
// are pruned.
//
// Forget deletes a citizen from every bucket above that names them, by user
// id (citizens, sessions, subscribers, usernames, outbox, pending) or by
// pseudonym (participants, responses, completed), in one transaction. Staff
// roles and the audit log are about staff work and stay. Anonymise replaces
// the pseudonyms in a closed consultation's responses by random ids and
// empties its participants bucket, so that nothing leads from a Telegram
// user to those responses any more.
package boltstore
