package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

func runSites(ctx context.Context, c *call, args []string) error {
	file := c.flags.String("file", "", "the site's JSON `file` (put), shaped as the body of PUT /v1/sites/{siteId}")
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	want := map[string]int{"put": 2, "get": 2, "list": 1, "delete": 2} // arguments, the action's included
	switch {
	case len(args) == 0 || want[args[0]] != len(args):
		return c.usageErrorf("want put SITE -file FILE, get SITE, list or delete SITE")
	case args[0] == "put" && *file == "":
		return c.usageErrorf("put needs -file FILE")
	case args[0] != "put" && *file != "":
		return c.usageErrorf("-file is for put only")
	}
	var in mayday.Site
	if args[0] == "put" {
		// Read the file before reaching AWS: a bad file fails alone.
		if in, err = readSiteFile(*file, args[1]); err != nil {
			return err
		}
	}
	svc, err := operator(ctx, c.stderr)
	if err != nil {
		return err
	}
	switch args[0] {
	case "put":
		s, err := svc.PutSite(ctx, args[1], in)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "stored", siteLine(s))
	case "get":
		s, err := svc.GetSite(ctx, args[1])
		if err != nil {
			return err
		}
		b, err := siteJSON(s)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s\n", b)
	case "list":
		ss, err := svc.Sites(ctx)
		if err != nil {
			return err
		}
		for _, s := range ss {
			fmt.Fprintln(c.stdout, siteLine(s))
		}
	case "delete":
		if err := svc.DeleteSite(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "deleted site", args[1])
	}
	return nil
}

// siteFile is a site as the HTTP contract spells it: the body of PUT
// /v1/sites/{siteId}, which `sites put` reads, and the site GET answers,
// which `sites get` prints (siteId and updatedAt are read back but not
// stored from the file).
type siteFile struct {
	SiteID  string `json:"siteId,omitempty"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Address struct {
		Street     string `json:"street"`
		City       string `json:"city"`
		Region     string `json:"region,omitempty"`
		PostalCode string `json:"postalCode,omitempty"`
		Country    string `json:"country"`
		Detail     string `json:"detail,omitempty"`
	} `json:"address"`
	EmergencyCallbackNumber string `json:"emergencyCallbackNumber,omitempty"`
	// Notify is addresses separated by semicolons, or a JSON list.
	Notify    json.RawMessage `json:"notify,omitempty"`
	UpdatedAt *time.Time      `json:"updatedAt,omitempty"`
}

// readSiteFile reads the site id's file. An unknown field is refused (a
// misspelt "postcode" would otherwise leave the address without one), and
// so is a siteId naming another site.
func readSiteFile(path, id string) (mayday.Site, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return mayday.Site{}, err
	}
	s, err := parseSite(b, id)
	if err != nil {
		return mayday.Site{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func parseSite(b []byte, id string) (mayday.Site, error) {
	var f siteFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var syntax *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			err = errors.New("empty; want a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syntax):
			err = fmt.Errorf("malformed JSON: %v", err)
		case errors.As(err, &te) && te.Field != "":
			err = fmt.Errorf("field %s: want a %s", te.Field, te.Type)
		}
		return mayday.Site{}, fmt.Errorf("%w: site file: %v", mayday.ErrInvalid, err)
	}
	if dec.More() {
		return mayday.Site{}, fmt.Errorf("%w: site file: data after the object", mayday.ErrInvalid)
	}
	if f.SiteID != "" && f.SiteID != id {
		return mayday.Site{}, fmt.Errorf("%w: site file is site %q, not %q", mayday.ErrInvalid, f.SiteID, id)
	}
	notify, err := parseNotify(f.Notify)
	if err != nil {
		return mayday.Site{}, err
	}
	t := strings.TrimSpace
	return mayday.Site{Name: t(f.Name), Country: t(f.Country),
		Address: mayday.Address{Street: t(f.Address.Street), City: t(f.Address.City), Region: t(f.Address.Region),
			PostalCode: t(f.Address.PostalCode), Country: t(f.Address.Country), Detail: t(f.Address.Detail)},
		EmergencyCallbackNumber: t(f.EmergencyCallbackNumber), Notify: notify}, nil
}

// parseNotify takes the admin centre's semicolon-separated string, or a
// JSON list, each address validated as emergency contacts are.
func parseNotify(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%w: notify: want addresses separated by semicolons", mayday.ErrInvalid)
		}
		s = strings.Join(list, ";")
	}
	list, err := mayday.ParseContacts(s)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return list, nil
}

// siteJSON is the site as GET /v1/sites/{siteId} answers it.
func siteJSON(s mayday.Site) ([]byte, error) {
	f := siteFile{SiteID: s.ID, Name: s.Name, Country: s.Country, EmergencyCallbackNumber: s.EmergencyCallbackNumber}
	a := s.Address
	f.Address.Street, f.Address.City, f.Address.Region = a.Street, a.City, a.Region
	f.Address.PostalCode, f.Address.Country, f.Address.Detail = a.PostalCode, a.Country, a.Detail
	notify := s.Notify
	if notify == nil {
		notify = []string{}
	}
	var err error
	if f.Notify, err = json.Marshal(notify); err != nil {
		return nil, err
	}
	if !s.UpdatedAt.IsZero() {
		u := s.UpdatedAt.UTC()
		f.UpdatedAt = &u
	}
	return json.MarshalIndent(f, "", "  ")
}

// siteLine is a site on one line.
func siteLine(s mayday.Site) string {
	ecbn := s.EmergencyCallbackNumber
	if ecbn == "" {
		ecbn = "none (the platform's default number)"
	}
	notify := "none"
	if len(s.Notify) > 0 {
		notify = strings.Join(s.Notify, "; ")
	}
	return fmt.Sprintf("site %s (%s, %s): %s; emergency callback number %s; notify %s",
		s.ID, s.Name, s.Country, s.Address, ecbn, notify)
}
