package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/mayday/mayday/shared/mayday"
)

// checkKeys walks one JSON value against the type it decodes into, since
// encoding/json matches keys case-insensitively and lets the last of two
// equal keys win: "agentId" and "AGENTID" in one body would be decoded as
// whichever came last. It refuses, naming the key: a key twice in one
// object; a key that differs from a field's name only by case; with
// strict, a key that names no field. Without strict (the webhooks, whose
// platforms add fields) other keys are skipped.
func checkKeys(body []byte, t reflect.Type, strict bool) error {
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: the body is not valid UTF-8", mayday.ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walk(dec, t, strict, "")
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

func walk(dec *json.Decoder, t reflect.Type, strict bool, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessage {
		t = nil // checked where it is decoded; duplicates still refused below
	}
	tok, err := dec.Token()
	if err != nil {
		return err // the decoder that follows names it
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			name := path + key
			if seen[key] {
				return fmt.Errorf("%w: key %q appears twice", mayday.ErrInvalid, name)
			}
			seen[key] = true
			var ft reflect.Type
			if fields != nil {
				var ok bool
				if ft, ok = fields[key]; !ok {
					for f := range fields {
						if strings.EqualFold(f, key) {
							return fmt.Errorf("%w: key %q: keys are case-sensitive (want %q)", mayday.ErrInvalid, name, path+f)
						}
					}
					if strict {
						return fmt.Errorf("%w: unknown field %q", mayday.ErrInvalid, name)
					}
				}
			}
			if err := walk(dec, ft, strict && (fields != nil || t == nil), name+"."); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return err
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walk(dec, et, strict, fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return err
	}
	return nil
}

// jsonFields maps a struct's JSON keys to their types, as encoding/json
// names them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// decode reads one JSON object into v, its keys matched exactly (see
// checkKeys); strict refuses unknown fields.
func decode(r io.Reader, v any, strict bool) error {
	body, err := io.ReadAll(r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return fmt.Errorf("%w: reading body: %v", mayday.ErrInvalid, err)
	}
	if err := checkKeys(body, reflect.TypeOf(v), strict); err != nil && errors.Is(err, mayday.ErrInvalid) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("%w: field %s: want a %s", mayday.ErrInvalid, te.Field, te.Type)
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: empty body; want a JSON object", mayday.ErrInvalid)
		}
		return fmt.Errorf("%w: malformed JSON: %v", mayday.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: malformed JSON: data after the object", mayday.ErrInvalid)
	}
	return nil
}
