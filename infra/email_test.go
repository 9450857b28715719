package main

import (
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/shared/emailtemplate"
)

func TestEmailTemplate(t *testing.T) {
	d := emailtemplate.Default()
	check(t, func() {
		template.ResourceCountIs(jsii.String("AWS::SES::Template"), jsii.Number(1))
		template.HasResourceProperties(jsii.String("AWS::SES::Template"), &map[string]any{
			"Template": map[string]any{
				"TemplateName": "EmergencyCallNotification",
				"SubjectPart":  d.Subject,
				"HtmlPart":     d.HTML,
				"TextPart":     d.Text,
			},
		})
	})
}
