package mayday

import (
	"maps"
	"slices"
)

// AnyDefaultCallerID is the platform default caller ID of the first country
// (in sorted order) that has one, and that country: for a platform that
// refuses an emergency dial presenting nothing, when the call's own country
// has no default. ok is false when no default is configured.
func (d *DialDetection) AnyDefaultCallerID() (number, country string, ok bool) {
	for _, c := range slices.Sorted(maps.Keys(d.cfg.DefaultCallerID)) {
		if n := d.cfg.DefaultCallerID[c]; n != "" {
			return n, c, true
		}
	}
	return "", "", false
}
