module github.com/parlabot/parlabot

go 1.26

require (
	github.com/go-telegram/bot v1.19.0 // indirect
	github.com/nicksnyder/go-i18n/v2 v2.7.0 // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
