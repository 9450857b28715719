package mayday

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// defaultLocationValidFor is how long a confirmed location holds when the
// configuration does not say: a shift.
const defaultLocationValidFor = 12 * time.Hour

// addressCheckTimeout bounds the geocoding of a confirmed address: the
// agent waits for it, and an address not checked is still kept.
const addressCheckTimeout = 3 * time.Second

// PutLocation records where the agent confirms they work now: a site, or
// a dispatchable address of their own with, optionally, their own number
// registered there. The address is geocoded; one that does not validate
// is kept all the same (the agent's word beats nothing) and says so. The
// location holds for LocationValidFor.
func (api *AdminAPI) PutLocation(ctx context.Context, id string, in AgentLocation) (AgentLocation, error) {
	if err := ValidID("agentId", id); err != nil {
		return AgentLocation{}, err
	}
	if err := ValidOptionalID("siteId", in.SiteID); err != nil {
		return AgentLocation{}, err
	}
	if err := ValidText("detail", in.Detail, maxDetail); err != nil {
		return AgentLocation{}, err
	}
	if err := validAddressText("address", in.Address); err != nil {
		return AgentLocation{}, err
	}
	if in.SiteID == "" {
		in.Address = in.Address.Normalised()
	}
	if err := in.Validate(); err != nil {
		return AgentLocation{}, err
	}
	if _, err := api.GetAgent(ctx, id); err != nil {
		return AgentLocation{}, err
	}
	if in.SiteID != "" {
		if err := api.knownSite(ctx, in.SiteID); err != nil {
			return AgentLocation{}, err
		}
		in.Validated = true // a site's address is the operator's
	} else {
		in.Validated = api.validate(ctx, id, in.Address)
		if in.CallbackNumber != "" {
			num, err := api.registerOwnNumber(ctx, id, in.CallbackNumber, in.Address.Country)
			if err != nil {
				return AgentLocation{}, err
			}
			in.CallbackNumber = num
		}
	}
	now := api.now()
	in.ConfirmedAt, in.ExpiresAt = now, now.Add(api.locationValidFor())
	_, err := api.store.UpdateAgent(ctx, id, func(a *Agent) error {
		if a.Version == 0 {
			return NotFound("agent", id)
		}
		l := in
		a.Location, a.UpdatedAt = &l, now
		return nil
	})
	if err != nil {
		return AgentLocation{}, fmt.Errorf("agent %s: location: %w", id, err)
	}
	api.log.Info("agent location confirmed", "agentId", id, "kind", in.Kind(), "siteId", in.SiteID, "validated", in.Validated)
	return in, nil
}

// Location is the agent's current location; ErrNotFound when none is.
func (api *AdminAPI) Location(ctx context.Context, id string) (AgentLocation, error) {
	a, err := api.GetAgent(ctx, id)
	if err != nil {
		return AgentLocation{}, err
	}
	if !a.Location.CurrentAt(api.now()) {
		return AgentLocation{}, fmt.Errorf("%w: agent %s has no current location", ErrNotFound, id)
	}
	return *a.Location, nil
}

// ClearLocation forgets the agent's location: dials are located by their
// site, network or home site again.
func (api *AdminAPI) ClearLocation(ctx context.Context, id string) error {
	if err := ValidID("agentId", id); err != nil {
		return err
	}
	now := api.now()
	_, err := api.store.UpdateAgent(ctx, id, func(a *Agent) error {
		switch {
		case a.Version == 0:
			return NotFound("agent", id)
		case a.Location == nil:
			return ErrNoChange
		}
		a.Location, a.UpdatedAt = nil, now
		return nil
	})
	if err != nil {
		return fmt.Errorf("agent %s: location: %w", id, err)
	}
	return nil
}

func (api *AdminAPI) locationValidFor() time.Duration {
	if api.cfg.LocationValidFor > 0 {
		return api.cfg.LocationValidFor
	}
	return defaultLocationValidFor
}

// validate geocodes an address; false when it does not validate, or
// cannot be checked now.
func (api *AdminAPI) validate(ctx context.Context, agentID string, a Address) bool {
	if api.addresses == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, addressCheckTimeout)
	defer cancel()
	ok, err := api.addresses.ValidateAddress(ctx, a)
	if err != nil {
		api.log.Warn("address not validated: the geocoder could not tell", "agentId", agentID, "err", err)
		return false
	}
	return ok
}

// registerOwnNumber records number as the agent's own, registered at their
// address: it never joins a pool, and a callback to it reaches the agent.
// A pool number, or another agent's, is refused.
func (api *AdminAPI) registerOwnNumber(ctx context.Context, agentID, number, country string) (string, error) {
	num, err := ParseE164(number)
	if err != nil {
		return "", fmt.Errorf("callbackNumber: %w", err)
	}
	now := api.now()
	_, err = api.store.UpdateNumber(ctx, num, func(n *CallbackNumber) error {
		switch {
		case n.AgentID == agentID && n.Country == country:
			return ErrNoChange
		case n.AgentID != "" && n.AgentID != agentID:
			return fmt.Errorf("%w: callbackNumber %s is another agent's own number", ErrConflict, num)
		case n.Version > 0 && n.AgentID == "":
			return fmt.Errorf("%w: callbackNumber %s is in the %s", ErrConflict, num, Pool{Country: n.Country, SiteID: n.SiteID})
		}
		n.Country, n.AgentID = country, agentID
		if n.AddedAt.IsZero() {
			n.AddedAt = now
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNoChange) {
		return "", fmt.Errorf("callbackNumber %s: %w", num, err)
	}
	return num, nil
}
