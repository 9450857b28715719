package lambdarie

import (
	"fmt"

	"github.com/mayday/mayday/shared/dynamostore"
)

// tableSchema is a template's table (AWS::DynamoDB::Table or GlobalTable,
// which spell these properties alike) as the schema DynamoDB Local is given:
// its keys, indexes, TTL attribute and whether it has a stream, so each
// table is created as the template declares it.
func tableSchema(props map[string]any) (dynamostore.TableSchema, error) {
	types := map[string]dynamostore.AttributeType{}
	for _, raw := range list(props["AttributeDefinitions"]) {
		a, _ := raw.(map[string]any)
		name, _ := a["AttributeName"].(string)
		typ, _ := a["AttributeType"].(string)
		types[name] = dynamostore.AttributeType(typ)
	}
	keys := func(v any) (pk, sk dynamostore.KeyAttribute, err error) {
		for _, raw := range list(v) {
			k, _ := raw.(map[string]any)
			name, _ := k["AttributeName"].(string)
			attr := dynamostore.KeyAttribute{Name: name, Type: types[name]}
			if attr.Type == "" {
				return pk, sk, fmt.Errorf("key %q: no attribute definition", name)
			}
			switch k["KeyType"] {
			case "HASH":
				pk = attr
			case "RANGE":
				sk = attr
			}
		}
		if pk.Name == "" {
			return pk, sk, fmt.Errorf("no partition key in %v", v)
		}
		return pk, sk, nil
	}
	var s dynamostore.TableSchema
	var err error
	if s.PartitionKey, s.SortKey, err = keys(props["KeySchema"]); err != nil {
		return s, err
	}
	for _, raw := range list(props["GlobalSecondaryIndexes"]) {
		ix, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		name, _ := ix["IndexName"].(string)
		is := dynamostore.IndexSchema{Name: name, Projection: dynamostore.Projection(fmt.Sprint(path(ix, "Projection", "ProjectionType")))}
		if is.PartitionKey, is.SortKey, err = keys(ix["KeySchema"]); err != nil {
			return s, fmt.Errorf("index %s: %w", name, err)
		}
		s.Indexes = append(s.Indexes, is)
	}
	s.TTLAttribute, _ = path(props, "TimeToLiveSpecification", "AttributeName").(string)
	_, s.Stream = path(props, "StreamSpecification", "StreamViewType").(string)
	return s, nil
}
