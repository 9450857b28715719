package dynamostore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/mayday/mayday/shared/mayday"
)

// Sites.

func (st *Store) GetSite(ctx context.Context, id string) (mayday.Site, error) {
	return get(ctx, st, sites, id)
}

func (st *Store) UpdateSite(ctx context.Context, id string, fn func(*mayday.Site) error) (mayday.Site, error) {
	return update(ctx, st, sites, id, fn)
}

// DeleteSite deletes the site as check saw it: a change in between runs the
// check again on the new value.
func (st *Store) DeleteSite(ctx context.Context, id string, check func(mayday.Site) error) error {
	return deleteIf(ctx, st, sites, id, check)
}

// ListSites reads the one sites partition of gsi3, sorted by id.
func (st *Store) ListSites(ctx context.Context) ([]mayday.Site, error) {
	out, err := query(ctx, st, sites, IndexPool,
		expression.Key(AttrGSI3PK).Equal(expression.Value(sitesPartition)),
		func(x mayday.Site) bool { return x.ID != "" })
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	slices.SortFunc(out, func(a, b mayday.Site) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
