package dynamostore

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/mayday/mayday/shared/mayday"
)

// Call history.

// historyKey is the key of an activity. Its error does not echo the ids.
func historyKey(agentID, callID string) (map[string]types.AttributeValue, error) {
	pk, err := partition(HistoryPartition, validAgentID, agentID)
	if err != nil {
		return nil, err
	}
	if err := validCallID(callID); err != nil {
		return nil, err
	}
	return key(pk, "CALL#"+callID), nil
}

// activityStored is the activity as stored: its wire format and its key.
func activityStored(a *mayday.Activity) (map[string]types.AttributeValue, error) {
	k, err := historyKey(a.AgentID, a.CallID)
	if err != nil {
		return nil, err
	}
	item, err := attributevalue.MarshalMap(toActivityItem(a))
	if err != nil {
		return nil, fmt.Errorf("activity %s/%s: encode: %w", a.AgentID, a.CallID, err)
	}
	maps.Copy(item, k)
	return item, nil
}

// AddActivity writes the activity unless one with its (AgentID, CallID) is
// there already, which it leaves as it is.
func (st *Store) AddActivity(ctx context.Context, a mayday.Activity) error {
	item, err := activityStored(&a)
	if err != nil {
		return err
	}
	_, err = st.putIf(ctx, item, expression.AttributeNotExists(expression.Name(AttrPK)), nil)
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("activity %s/%s: put: %w", a.AgentID, a.CallID, err)
	}
	return nil
}

// ListActivities reads the agent's history partition, in call-id order.
func (st *Store) ListActivities(ctx context.Context, agentID string) ([]mayday.Activity, error) {
	pk, err := partition(HistoryPartition, validAgentID, agentID)
	if err != nil {
		return nil, err
	}
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(AttrPK).Equal(expression.Value(pk)).
			And(expression.Key(AttrSK).BeginsWith("CALL#"))).Build()
	if err != nil {
		return nil, fmt.Errorf("history of agent %s: key condition: %w", agentID, err)
	}
	pages := dynamodb.NewQueryPaginator(st.client, &dynamodb.QueryInput{
		TableName:                 &st.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	out := []mayday.Activity{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("history of agent %s: query: %w", agentID, err)
		}
		var got []activityItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			return nil, fmt.Errorf("history of agent %s: decode: %w", agentID, err)
		}
		for i := range got {
			out = append(out, fromActivityItem(&got[i]))
		}
	}
	return out, nil
}
