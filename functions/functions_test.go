package functions_test

import (
	"os"
	"slices"
	"testing"

	"github.com/mayday/mayday/functions"
)

// Every entry is a directory here with its main.go, and every directory is
// an entry: a function cannot be built without being listed, nor listed
// without being built.
func TestListMatchesTheDirectories(t *testing.T) {
	dirs, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, d := range dirs {
		if d.IsDir() {
			built = append(built, d.Name())
		}
	}
	listed := functions.Names()
	for _, name := range listed {
		if _, err := os.Stat(name + "/main.go"); err != nil {
			t.Errorf("%s is listed but has no main.go: %v", name, err)
		}
	}
	slices.Sort(listed)
	if !slices.Equal(built, listed) {
		t.Errorf("functions/ has %v, the list has %v", built, listed)
	}
}

func TestEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range functions.All {
		if seen[f.Name] {
			t.Errorf("%s is listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Description == "" || len("Mayday "+f.Name+": "+f.Description) > 256 { // Lambda's limit
			t.Errorf("%s: description %q: want one line that fits a Lambda description", f.Name, f.Description)
		}
		if got, ok := functions.Get(f.Name); !ok || got != f {
			t.Errorf("Get(%s) = %+v, %v", f.Name, got, ok)
		}
	}
	if _, ok := functions.Get("audit"); ok {
		t.Error("Get(audit): a log group is not a function")
	}
}
