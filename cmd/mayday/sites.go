package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mayday/mayday/shared/httpapi"
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
		b, err := httpapi.EncodeSite(s)
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

// readSiteFile reads the site id's file: the body of PUT
// /v1/sites/{siteId}, or what `sites get` printed.
func readSiteFile(path, id string) (mayday.Site, error) {
	f, err := os.Open(path)
	if err != nil {
		return mayday.Site{}, err
	}
	defer f.Close()
	s, err := httpapi.DecodeSite(f, id)
	if err != nil {
		return mayday.Site{}, fmt.Errorf("site file %s: %w", path, err)
	}
	return s, nil
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
