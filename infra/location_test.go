package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// TestPlaceIndex: one place index, on Esri for single use; its name is
// admin-api's MAYDAY_PLACE_INDEX and no other function's; admin-api alone
// may search it, with that one action on that one index.
func TestPlaceIndex(t *testing.T) {
	index := resourceID(t, "AWS::Location::PlaceIndex")
	hasProperties(t, "AWS::Location::PlaceIndex", index, map[string]any{
		"IndexName":               "Mayday-places",
		"DataSource":              "Esri",
		"DataSourceConfiguration": map[string]any{"IntendedUse": "SingleUse"},
	})
	fns := functionIDs(t)
	for name, id := range fns {
		vars, _ := resources[id].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
		if got := ref(vars[settings.PlaceIndex.Env]); (got == index) != (name == functions.AdminAPI) || name != functions.AdminAPI && vars[settings.PlaceIndex.Env] != nil {
			t.Errorf("%s: %s = %v", name, settings.PlaceIndex.Env, vars[settings.PlaceIndex.Env])
		}
	}
	adminRole := getAtt(resources[fns[functions.AdminAPI]].Properties["Role"], "Arn")
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), &map[string]any{
			"Roles": []any{refOf(adminRole)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectEquals(&map[string]any{
					"Sid":      "ValidateAddresses",
					"Effect":   "Allow",
					"Action":   "geo:SearchPlaceIndexForText",
					"Resource": getAttOf(index, "Arn"),
				}),
			})},
		})
	})
	// No other geo: permission anywhere.
	for id, sts := range statements() {
		for _, st := range sts {
			for _, a := range strList(st["Action"]) {
				if !strings.HasPrefix(a, "geo:") {
					continue
				}
				roles, _ := resources[id].Properties["Roles"].([]any)
				if a != "geo:SearchPlaceIndexForText" || len(roles) != 1 || ref(roles[0]) != adminRole || st["Sid"] != "ValidateAddresses" {
					t.Errorf("%s: %s for %v (%v)", id, a, roles, st["Sid"])
				}
			}
		}
	}
}
