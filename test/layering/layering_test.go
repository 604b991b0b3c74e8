// Package layering enforces the drawing in README's architecture section: it reads
// `go list -deps` and fails when an import runs against the layers.
package layering

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/wxinvite/wxinvite"

type pkg struct {
	ImportPath   string
	Standard     bool
	Module       *struct{ Path string }
	Imports      []string
	TestImports  []string
	XTestImports []string
	DepOnly      bool
}

// listPackages runs go list over the whole module, with every dependency, so the
// standard library is known exactly (Standard) rather than guessed from the path.
func listPackages(t *testing.T) (ours []pkg, std map[string]bool) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-test=false", "-json", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	std = map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Standard {
			std[p.ImportPath] = true
		}
		if !p.DepOnly && strings.HasPrefix(p.ImportPath, module+"/") {
			ours = append(ours, p)
		}
	}
	if len(ours) == 0 {
		t.Fatal("go list found none of the module's packages")
	}
	return ours, std
}

// layer is the top-level folder of a package of this module: domain, application,
// adapters/<name>, bootstrap or test.
func layer(path string) string {
	rel := strings.TrimPrefix(path, module+"/")
	parts := strings.Split(rel, "/")
	if parts[0] == "adapters" && len(parts) > 1 {
		return "adapters/" + parts[1]
	}
	return parts[0]
}

func isOurs(path string) bool { return strings.HasPrefix(path, module+"/") }

func isFx(path string) bool {
	return path == "go.uber.org/fx" || strings.HasPrefix(path, "go.uber.org/fx/")
}

// violations applies the rules to one package's production imports, and the fx
// rule to its test imports as well.
func violations(p pkg, std map[string]bool) []string {
	var bad []string
	from := layer(p.ImportPath)
	for _, imp := range p.Imports {
		to := ""
		if isOurs(imp) {
			to = layer(imp)
		}
		switch {
		case from == "domain" && !std[imp] && to != "domain":
			bad = append(bad, "domain may import only the standard library and itself")
		case from == "application" && !std[imp] && to != "domain" && to != "application":
			bad = append(bad, "application may import only domain and the standard library")
		case strings.HasPrefix(from, "adapters/") && strings.HasPrefix(to, "adapters/") && to != from:
			bad = append(bad, "an adapter may not import another adapter")
		default:
			continue
		}
		bad[len(bad)-1] = fmt.Sprintf("%s imports %s: %s", p.ImportPath, imp, bad[len(bad)-1])
	}
	if from != "bootstrap" && from != "test" {
		all := append(append(append([]string{}, p.Imports...), p.TestImports...), p.XTestImports...)
		for _, imp := range all {
			if isFx(imp) {
				bad = append(bad, fmt.Sprintf("%s imports %s: only bootstrap (and tests under test/) may use fx", p.ImportPath, imp))
			}
		}
	}
	return bad
}

func TestLayering(t *testing.T) {
	ours, std := listPackages(t)
	var bad []string
	for _, p := range ours {
		bad = append(bad, violations(p, std)...)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// The rules themselves must catch what they are for: each forbidden import below
// is reported, each allowed one is not.
func TestRulesCatchForbiddenImports(t *testing.T) {
	std := map[string]bool{"fmt": true, "net/http": true}
	m := func(s string) string { return module + "/" + s }
	cases := []struct {
		pkg  pkg
		want bool
	}{
		{pkg{ImportPath: m("domain"), Imports: []string{"fmt"}}, false},
		{pkg{ImportPath: m("domain"), Imports: []string{"github.com/google/uuid"}}, true},
		{pkg{ImportPath: m("domain"), Imports: []string{m("application")}}, true},
		{pkg{ImportPath: m("application"), Imports: []string{m("domain"), "fmt"}}, false},
		{pkg{ImportPath: m("application"), Imports: []string{"golang.org/x/sync/singleflight"}}, true},
		{pkg{ImportPath: m("application"), Imports: []string{m("adapters/memory")}}, true},
		{pkg{ImportPath: m("application"), TestImports: []string{m("adapters/memory")}}, false},
		{pkg{ImportPath: m("adapters/http"), Imports: []string{m("adapters/sqlstore")}}, true},
		{pkg{ImportPath: m("adapters/wechat"), Imports: []string{m("adapters/wechat/wxcrypto")}}, false},
		{pkg{ImportPath: m("adapters/sqlstore/sqltest"), Imports: []string{m("adapters/sqlstore")}}, false},
		{pkg{ImportPath: m("adapters/http"), Imports: []string{"go.uber.org/fx"}}, true},
		{pkg{ImportPath: m("adapters/http"), XTestImports: []string{"go.uber.org/fx/fxtest"}}, true},
		{pkg{ImportPath: m("bootstrap"), Imports: []string{"go.uber.org/fx", m("adapters/http")}}, false},
		{pkg{ImportPath: m("test/harness"), Imports: []string{"go.uber.org/fx"}}, false},
	}
	for _, tc := range cases {
		got := violations(tc.pkg, std)
		if (len(got) > 0) != tc.want {
			t.Errorf("%s importing %v: violations %v, want reported=%v", tc.pkg.ImportPath,
				append(tc.pkg.Imports, append(tc.pkg.TestImports, tc.pkg.XTestImports...)...), got, tc.want)
		}
	}
}
