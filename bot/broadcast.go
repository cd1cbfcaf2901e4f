package bot

// broadcastRoutes registers the clerks' broadcast commands.
func (b *Bot) broadcastRoutes() {
}
