package main

import (
	"flag"
	"log/slog"
	"net/url"
	"strings"
)

// privacy is what the deployment adds to the privacy notice citizens read
// before anything about them is kept: who is responsible for their data,
// and where the full policy is.
type privacy struct {
	contact, url string
}

// sandboxPrivacy fills the sandbox's notice, so it shows as a deployment's would.
var sandboxPrivacy = privacy{
	contact: "Oficina de Transparencia (demo), privacidad@congreso.example",
	url:     "https://congreso.example/privacidad",
}

// privacyFlags adds --privacy-contact and --privacy-url to fs, their
// defaults from the environment, else def.
func (m *Main) privacyFlags(fs *flag.FlagSet, p *privacy, def privacy) {
	fs.StringVar(&p.contact, "privacy-contact", m.env("PARLABOT_PRIVACY_CONTACT", def.contact),
		"who is responsible for citizens' data, as the privacy notice names them, e.g. \"Oficina de Transparencia, privacidad@congreso.example\" (PARLABOT_PRIVACY_CONTACT)")
	fs.StringVar(&p.url, "privacy-url", m.env("PARLABOT_PRIVACY_URL", def.url),
		"`URL` of the full privacy policy, linked from the notice (PARLABOT_PRIVACY_URL)")
}

// check refuses a policy address a citizen couldn't open.
func (p *privacy) check() error {
	p.contact, p.url = strings.TrimSpace(p.contact), strings.TrimSpace(p.url)
	if p.url == "" {
		return nil
	}
	u, err := url.Parse(p.url)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usagef("--privacy-url %q: give the full address of the privacy policy, starting with https://", p.url)
	}
	return nil
}

// warn says, once at start, what the notice lacks and how to complete it.
func (p privacy) warn(log *slog.Logger) {
	var missing []string
	if p.contact == "" {
		missing = append(missing, "who is responsible for citizens' data (--privacy-contact or PARLABOT_PRIVACY_CONTACT)")
	}
	if p.url == "" {
		missing = append(missing, "a link to the full privacy policy (--privacy-url or PARLABOT_PRIVACY_URL)")
	}
	if len(missing) > 0 {
		log.Warn("the privacy notice citizens see first lacks " + strings.Join(missing, " and ") + "; set them so citizens know whom to ask about their data")
	}
}
