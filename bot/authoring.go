package bot

// Button actions of the clerks' authoring and lifecycle screens. They all
// start with 'w', so that they never collide with the citizens' actions.
const (
	actWizCommitment = "wm" // wm:<commitment key or "new">: the commitment of a new consultation
	actWizPillar     = "wp" // wp:<pillar>: the pillar of a new commitment
	actWizKind       = "wk" // wk:<kind>: the kind of the question
	actWizSkip       = "ws" // ws:<step>: skip an optional step (en, fr, max)
	actWizSave       = "wv" // wv:<save|restart|cancel>: what to do with the preview
	actWizPreview    = "wz" // wz: a button of the preview, which records nothing
	actAskOpen       = "wo" // wo:<key>: ask to open (or reopen) a consultation
	actAskClose      = "wc" // wc:<key>: ask to close a consultation
	actListBroadcast = "wb" // wb:<key>: plan a broadcast of a consultation
	actLifecycle     = "wy" // wy:<open|close>:<key>: confirmed
	actLifecycleKeep = "wn" // wn: leave the consultation as it is
)

func init() {
	for action, n := range map[string]int{
		actWizCommitment: 1, actWizPillar: 1, actWizKind: 1, actWizSkip: 1, actWizSave: 1, actWizPreview: 0,
		actAskOpen: 1, actAskClose: 1, actListBroadcast: 1, actLifecycle: 2, actLifecycleKeep: 0,
	} {
		argCounts[action] = n
	}
}

// authoringRoutes registers the clerks' commands to create, list, open and
// close consultations.
func (b *Bot) authoringRoutes() {
	b.staffCommand("new", clerks, b.newConsultation)
	b.staffCommand("consultations", readResults, b.listConsultations)
	b.staffCommand("open", clerks, b.openCommand)
	b.staffCommand("close", clerks, b.closeCommand)

	b.staffButton(actWizCommitment, clerks, b.wizardCommitment)
	b.staffButton(actWizPillar, clerks, b.wizardPillar)
	b.staffButton(actWizKind, clerks, b.wizardKind)
	b.staffButton(actWizSkip, clerks, b.wizardSkip)
	b.staffButton(actWizSave, clerks, b.wizardFinish)
	b.staffButton(actWizPreview, clerks, b.wizardPreviewTap)
	b.staffButton(actAskOpen, clerks, b.askOpen)
	b.staffButton(actAskClose, clerks, b.askClose)
	b.staffButton(actListBroadcast, clerks, b.broadcastButton)
	b.staffButton(actLifecycle, clerks, b.confirmLifecycle)
	b.staffButton(actLifecycleKeep, clerks, b.keepAsIs)
}
