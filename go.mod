module github.com/parlabot/parlabot

go 1.26

require (
	github.com/go-telegram/bot v1.19.0
	github.com/nicksnyder/go-i18n/v2 v2.6.1
	go.etcd.io/bbolt v1.5.0
	golang.org/x/text v0.36.0
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.45.0 // indirect
