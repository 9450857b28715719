package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/twiliofallback"
)

var twilioFallbackCommand = &command{
	name:    "twilio-fallback",
	args:    "[-part callback|app]",
	summary: "what Twilio runs when Mayday cannot answer: the Voice Fallback URLs' TwiML Bin and Twilio Function",
	about: `Prints, for the operator to host on Twilio (so that it works while Mayday is
down), with the settings the stack is deployed with:
  callback  a TwiML Bin for each callback (pool) number's Voice Fallback URL: the
            PSAP's callback rings MAYDAY_CALLBACK_FALLBACK for 30 s;
  app       a Twilio Function (Node.js) for the TwiML App's Voice Fallback URL: an
            emergency or 933 dial, MAYDAY_DIAL_PREFIX stripped, is placed presenting
            the country's MAYDAY_DEFAULT_CALLER_ID; any other call is redirected to
            MAYDAY_TWILIO_ORDINARY_URL.
Without -part, both. Run it again after changing any of these settings.`,
	env: []envVar{required(settings.CallbackFallback), required(settings.DefaultCallerID), {Setting: settings.DialPrefix},
		required(settings.TwilioOrdinaryURL)},
	run: runTwilioFallback,
}

func runTwilioFallback(_ context.Context, c *call, args []string) error {
	part := c.flags.String("part", "", "callback or app (default: both)")
	if _, err := c.parse(args); err != nil {
		return err
	}
	if *part != "" && *part != "callback" && *part != "app" {
		return c.usageErrorf("-part %q: want callback or app", *part)
	}
	get := func(s settings.Setting) (string, error) { return s.Get(os.LookupEnv) }
	if *part != "app" {
		fallback, err := get(settings.CallbackFallback)
		if err != nil {
			return err
		}
		doc, err := twiliofallback.Callback(fallback)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "<!-- TwiML Bin: each callback number's Voice Fallback URL (A call comes in: Primary handler fails) -->\n%s\n", doc)
	}
	if *part != "callback" {
		ids, err := get(settings.DefaultCallerID)
		if err != nil {
			return err
		}
		defaults, err := settings.ParseCallerIDs(ids)
		if err != nil {
			return fmt.Errorf("%s: %w", settings.DefaultCallerID.Env, err)
		}
		prefix, err := get(settings.DialPrefix)
		if err != nil {
			return err
		}
		ordinary, err := get(settings.TwilioOrdinaryURL)
		if err != nil {
			return err
		}
		src, err := twiliofallback.Function(mayday.DialRules{Prefix: prefix}, defaults, ordinary)
		if err != nil {
			return fmt.Errorf("%s: %w", settings.DefaultCallerID.Env, err)
		}
		if *part == "" {
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintf(c.stdout, "// Twilio Function (public): the TwiML App's Voice Fallback URL\n%s", src)
	}
	return nil
}
