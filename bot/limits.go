package bot

// Limits on what users write, so that nothing stored or said back to them
// grows without bound. Telegram caps a message at 4096 characters and a
// caption at 1024; parlabot reads no captions. What is stored is bounded
// where it is taken: text answers by their question's max_length (at most
// consultations.MaxTextLength), the /new dialogue by maxTitleLength,
// maxQuestionLength and maxOptionLength, consultation files by
// maxImportSize (checked before and while downloading). What is echoed
// back in a reply is clipped with clip, so that the reply always fits.

// Longest parts of /grant and /revoke: a Telegram username has at most 32
// characters (with its @, 33), a user id at most 19 digits, and a role is a
// short word.
const (
	maxUserArg = 33
	maxRoleArg = 16
)

// maxEcho is the most characters of a user's own words quoted back in a
// reply (a refused option of /new, say).
const maxEcho = 80

// clip returns s cut to n characters, with "…" when it was longer.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
