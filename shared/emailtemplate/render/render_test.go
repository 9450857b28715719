package render_test

import (
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/emailtemplate/render"
	"github.com/mayday/mayday/shared/mayday"
)

// Preview renders exactly as Render does (it only skips the cache).
func TestPreviewRendersAsRender(t *testing.T) {
	data := emailtemplate.TemplateData(mayday.NotificationData{AgentName: "Ada <Agent>", AgentID: "a-1", CallID: "c-1"}.Map())
	tests := []struct {
		name string
		tpl  emailtemplate.Template
		err  string // in the error, "" for none
	}{
		{"the default", emailtemplate.Default(), ""},
		{"escaped twin in HTML", emailtemplate.Template{Name: "T", Subject: "{{agentName}}", HTML: "{{{agentNameHtml}}}", Text: "{{callId}}"}, ""},
		{"broken subject", emailtemplate.Template{Name: "T", Subject: "{{#if agentId}}", HTML: "", Text: ""}, "subject"},
		{"broken html", emailtemplate.Template{Name: "T", Subject: "x", HTML: "{{/if}}", Text: ""}, "html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := render.Preview(tt.tpl, data)
			want, wantErr := render.Render(tt.tpl, data)
			if tt.err != "" {
				if err == nil || wantErr == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Preview error %v, Render error %v, want both naming %q", err, wantErr, tt.err)
				}
				return
			}
			if err != nil || wantErr != nil || got != want {
				t.Fatalf("Preview = %+v, %v; Render = %+v, %v", got, err, want, wantErr)
			}
		})
	}
	if r, _ := render.Preview(tests[1].tpl, data); r.HTML != "Ada &lt;Agent&gt;" {
		t.Fatalf("HTML part %q, want the escaped twin", r.HTML)
	}
}
