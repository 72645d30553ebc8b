package api

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/auth"
)

// docPermission is how docs/api.md writes a route's permission.
func docPermission(p auth.Permission) string {
	switch p {
	case auth.Open:
		return "open"
	case auth.Signed:
		return "signed in"
	case auth.MetricsRead:
		return "metrics token"
	}
	return "`" + string(p) + "`"
}

// docRoutes reads the route rows of docs/api.md's tables: a row whose
// first cell is `METHOD /path` (a query after '?' is dropped), mapped
// to its second cell, the permission.
func docRoutes(t *testing.T) map[string][]string {
	t.Helper()
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for line := range strings.SplitSeq(string(doc), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
		if len(cells) < 4 {
			continue
		}
		route := strings.Trim(strings.TrimSpace(cells[1]), "`")
		method, path, ok := strings.Cut(route, " ")
		if !ok || !strings.HasPrefix(path, "/") || strings.ToUpper(method) != method {
			continue
		}
		path, _, _ = strings.Cut(path, "?")
		key := method + " " + path
		rows[key] = append(rows[key], strings.TrimSpace(cells[2]))
	}
	return rows
}

// TestRoutesInDocs: every route of the route table has its own row in
// docs/api.md with the permission it declares, and every route row there
// is a route, so a new, moved or re-permissioned route cannot leave the
// API reference behind.
func TestRoutesInDocs(t *testing.T) {
	s := &server{o: Options{}}
	rows := docRoutes(t)
	served := map[string]bool{}
	for _, rt := range s.routes() {
		if rt.pattern == "/" {
			continue // the JSON 404 for everything else
		}
		served[rt.pattern] = true
		got, ok := rows[rt.pattern]
		switch {
		case !ok:
			t.Errorf("docs/api.md has no row | `%s` | %s | (its own row, the full path)", rt.pattern, docPermission(rt.perm))
		case len(got) > 1:
			t.Errorf("docs/api.md has %d rows for `%s`", len(got), rt.pattern)
		case got[0] != docPermission(rt.perm):
			t.Errorf("docs/api.md: `%s` needs %s, not %s", rt.pattern, docPermission(rt.perm), got[0])
		}
	}
	for pattern := range rows {
		if !served[pattern] {
			t.Errorf("docs/api.md documents `%s`, which is not in the route table (api/routes.go)", pattern)
		}
	}
}

// TestMetricsInDocs: every metric camwatch registers (a Name:
// "camwatch_..." in a non-test source file) is named in README.md or
// docs/, so an operator reading the docs can find what a series means.
func TestMetricsInDocs(t *testing.T) {
	var docs strings.Builder
	for _, f := range append([]string{"../README.md"}, mustGlob(t, "../docs/*.md")...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	name := regexp.MustCompile(`Name:\s*"(camwatch_[a-z0-9_]+)"`)
	found := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "third_party" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".."):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range name.FindAllStringSubmatch(string(src), -1) {
			found++
			if !strings.Contains(docs.String(), m[1]) {
				t.Errorf("metric %s (%s) is not in README.md or docs/", m[1], path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("found %d metric names in the source: the pattern no longer matches how metrics are declared", found)
	}
	// And the other way: a counter, histogram or byte gauge the docs name
	// is one the source declares (a renamed metric leaves no stale name).
	declared := map[string]bool{}
	_ = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.Contains(path, "third_party") {
			return err
		}
		src, _ := os.ReadFile(path)
		for _, m := range regexp.MustCompile(`"(camwatch_[a-z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
			declared[m[1]] = true
		}
		return nil
	})
	for _, m := range regexp.MustCompile(`camwatch_[a-z0-9_]+_(total|seconds|bytes)\b`).FindAllString(docs.String(), -1) {
		if !declared[m] {
			t.Errorf("README.md or docs/ name metric %s, which the source does not declare", m)
		}
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: %v (%d files)", pattern, err, len(files))
	}
	return files
}
