module github.com/mayday/mayday

go 1.26.8

replace quamina.net/go/quamina => github.com/timbray/quamina v1.5.1

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/aymerick/raymond v2.0.2+incompatible
	quamina.net/go/quamina v1.5.1
)

require gopkg.in/yaml.v2 v2.4.0 // indirect
