package lambdarie

import (
	"slices"
	"testing"
)

// TestAllowed: the authoriser allows what IAM would, and no more.
func TestAllowed(t *testing.T) {
	const table = "arn:aws:dynamodb:us-east-1:123456789012:table/T"
	sts := []Statement{
		{Actions: []string{"dynamodb:GetItem", "dynamodb:BatchGetItem"}, Resources: []string{table}, LeadingKeys: []string{"AGENT#*", "CALL#*"}},
		{Actions: []string{"dynamodb:PutItem"}, Resources: []string{table}, LeadingKeys: []string{"CALL#*"}},
		{Actions: []string{"dynamodb:Query"}, Resources: []string{table + "/index/gsi1"}},
		{Actions: []string{"dynamodb:DeleteItem"}, Resources: []string{table}, Unsupported: "StringEquals dynamodb:Attributes"},
	}
	for _, c := range []struct {
		name string
		r    Request
		want bool
	}{
		{"get of an allowed kind", Request{"dynamodb:GetItem", table, []string{"AGENT#a"}}, true},
		{"get of another kind", Request{"dynamodb:GetItem", table, []string{"NUMBER#+1"}}, false},
		{"batch of allowed kinds", Request{"dynamodb:BatchGetItem", table, []string{"AGENT#a", "CALL#c"}}, true},
		{"batch with one other kind", Request{"dynamodb:BatchGetItem", table, []string{"AGENT#a", "SITE#s"}}, false},
		{"put of the allowed kind", Request{"dynamodb:PutItem", table, []string{"CALL#c"}}, true},
		{"put of a kind only readable", Request{"dynamodb:PutItem", table, []string{"AGENT#a"}}, false},
		{"query of the allowed index", Request{"dynamodb:Query", table + "/index/gsi1", nil}, true},
		{"query of another index", Request{"dynamodb:Query", table + "/index/gsi2", nil}, false},
		{"query of the table", Request{"dynamodb:Query", table, []string{"AGENT#a"}}, false},
		{"scan", Request{"dynamodb:Scan", table, nil}, false},
		{"another table", Request{"dynamodb:GetItem", table + "2", []string{"AGENT#a"}}, false},
		{"an unsupported condition allows nothing", Request{"dynamodb:DeleteItem", table, []string{"CALL#c"}}, false},
	} {
		if got := Allowed(sts, c.r); got != c.want {
			t.Errorf("%s: allowed %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRequests: what each DynamoDB call asks IAM for.
func TestRequests(t *testing.T) {
	a := &authorizer{tables: map[string]string{"T": "arn:t"}}
	for _, c := range []struct {
		op, body string
		want     []Request
	}{
		{"GetItem", `{"TableName":"T","Key":{"pk":{"S":"AGENT#a"},"sk":{"S":"AGENT"}}}`,
			[]Request{{"dynamodb:GetItem", "arn:t", []string{"AGENT#a"}}}},
		{"PutItem", `{"TableName":"T","Item":{"pk":{"S":"CALL#c"},"sk":{"S":"CALL"}}}`,
			[]Request{{"dynamodb:PutItem", "arn:t", []string{"CALL#c"}}}},
		{"Query", `{"TableName":"T","IndexName":"gsi3","KeyConditionExpression":"#0 = :0","ExpressionAttributeNames":{"#0":"gsi3pk"},"ExpressionAttributeValues":{":0":{"S":"SITES"}}}`,
			[]Request{{"dynamodb:Query", "arn:t/index/gsi3", nil}}},
		{"Query", `{"TableName":"T","KeyConditionExpression":"(#0 = :0) AND (begins_with (#1, :1))","ExpressionAttributeNames":{"#0":"pk","#1":"sk"},"ExpressionAttributeValues":{":0":{"S":"HISTORY#a"},":1":{"S":"CALL#"}}}`,
			[]Request{{"dynamodb:Query", "arn:t", []string{"HISTORY#a"}}}},
		{"Scan", `{"TableName":"T","IndexName":"gsi3"}`, []Request{{"dynamodb:Scan", "arn:t/index/gsi3", nil}}},
		{"BatchGetItem", `{"RequestItems":{"T":{"Keys":[{"pk":{"S":"AGENT#a"}},{"pk":{"S":"CALL#c"}}]}}}`,
			[]Request{{"dynamodb:BatchGetItem", "arn:t", []string{"AGENT#a", "CALL#c"}}}},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"T","Item":{"pk":{"S":"CALL#c"}}}},{"Delete":{"TableName":"T","Key":{"pk":{"S":"NUMBER#n"}}}}]}`,
			[]Request{{"dynamodb:PutItem", "arn:t", []string{"CALL#c"}}, {"dynamodb:DeleteItem", "arn:t", []string{"NUMBER#n"}}}},
	} {
		got, err := a.requests(c.op, []byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Fatalf("%s: %+v, want %+v", c.op, got, c.want)
		}
		for i := range got {
			if got[i].Action != c.want[i].Action || got[i].Resource != c.want[i].Resource || !slices.Equal(got[i].Keys, c.want[i].Keys) {
				t.Errorf("%s: %+v, want %+v", c.op, got[i], c.want[i])
			}
		}
	}
}
