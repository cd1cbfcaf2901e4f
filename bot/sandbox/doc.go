// Package sandbox is a local web chat that looks and behaves like Telegram,
// played against a telegramtest.Server instead of Telegram, so that a clerk,
// a trainer or a developer can try parlabot in two minutes without a
// Telegram account (`parlabot sandbox`).
//
// Each browser tab is a citizen with its own random Telegram user id (kept in
// the tab's sessionStorage, so a reload keeps the conversation) and the
// language their Telegram app would report; the header switches to the clerk
// persona (Options.AdminID) or to another language. The page is plain HTML,
// CSS and JavaScript embedded in the binary: no build step, nothing fetched
// from the Internet.
//
// The handler serves the page and a small JSON API over the fake server:
//
//	GET  /                                 the chat page
//	GET  /chat?user=ID                     the chat so far: both sides, commands
//	GET  /events?user=ID                   Server-Sent Events: new, edit, delete, callback_answer
//	POST /send    {"user":ID,"text":"…"}   the citizen sends a message or command
//	POST /tap     {"user":ID,"message_id":N,"data":"…"}  the citizen taps an inline button
//	POST /persona {"user":ID,"language":"pt-BR"}         the language later updates carry
//	POST /document multipart/form-data: user, file        the citizen sends a file (at most 2 MB)
//	GET  /file?user=ID&message=N&kind=photo|document     a photo or document in the chat
//
// The JSON actions refuse any other Content-Type, so a cross-site form
// cannot post them; /document, which a form could post, relies like the
// rest on the cross-origin protection around the handler.
//
// Bad input is answered 400 with {"ok":false,"error":"…"}. Messages are sent
// to the page as a tree of formatting nodes built from Telegram's entities,
// never as HTML, and the page builds the DOM from that tree with text nodes,
// so nothing a bot or a citizen writes can run as script.
package sandbox
