package bot

// authoringRoutes registers the clerks' commands to create, list, open and
// close consultations.
func (b *Bot) authoringRoutes() {
}
