package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// docTables reads docs/config.md's tables: by the line that introduces
// each ("Camera:", or a heading) and by its section's heading, the keys
// of its first column, with a shorthand cell ("`http.a`, `b`")
// expanded to full paths (http.b).
func docTables(t *testing.T) map[string][]string {
	t.Helper()
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	tick := regexp.MustCompile("`([^`]+)`")
	tables := map[string][]string{}
	label, heading, inTable, inCode := "", "", false, false
	for line := range strings.SplitSeq(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			inCode = !inCode
			continue
		case inCode:
			continue
		case !strings.HasPrefix(line, "|"):
			inTable = false
			if strings.TrimSpace(line) != "" {
				label = line
			}
			if strings.HasPrefix(line, "#") {
				heading = line
			}
			continue
		case !inTable: // the header row
			inTable = true
			continue
		case strings.HasPrefix(line, "|---"):
			continue
		}
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
		if len(cells) < 3 {
			continue
		}
		parent := ""
		for _, m := range tick.FindAllStringSubmatch(cells[1], -1) {
			key := m[1]
			if i := strings.LastIndex(key, "."); i >= 0 {
				parent = key[:i+1]
			} else {
				key = parent + key
			}
			tables[label] = append(tables[label], key)
			if heading != label && !strings.HasSuffix(label, ":") { // "Camera:" tables are their own
				tables[heading] = append(tables[heading], key)
			}
		}
	}
	return tables
}

// tableOf is where docs/config.md documents a struct type's keys: the
// starts of the lines that introduce its tables. A type
// without an entry is documented by full paths in its file's table.
var tableOf = map[reflect.Type][]string{
	reflect.TypeFor[Edge]():       {"## Edge agent"},
	reflect.TypeFor[Camera]():     {"Camera:"},
	reflect.TypeFor[Motion]():     {"Motion:"},
	reflect.TypeFor[Clips]():      {"Clips"},
	reflect.TypeFor[Aggregator](): {"## Aggregator", "### Display names"},
	reflect.TypeFor[Simcam]():     {"## Simulated cameras"},
}

// leafTypes are values documented as one key (their parts in words).
var leafTypes = []reflect.Type{reflect.TypeFor[time.Duration](), reflect.TypeFor[Zone](), reflect.TypeFor[Ward](), reflect.TypeFor[Program](), reflect.TypeFor[Names](), reflect.TypeFor[event.Labels]()}

// yamlKeys lists the keys of a config struct type as documented paths:
// nested structs as a.b, slices of structs as a[].b; a field whose type
// has a table of its own is listed as itself, and its type's keys are
// checked against that table.
func yamlKeys(typ reflect.Type, prefix string, own map[reflect.Type]bool) []string {
	var keys []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		sep := "."
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft, sep = ft.Elem(), "[]."
		}
		_, hasTable := tableOf[ft]
		switch {
		case ft.Kind() != reflect.Struct || slices.Contains(leafTypes, ft):
			keys = append(keys, prefix+name)
		case hasTable:
			keys = append(keys, prefix+name)
			own[ft] = true
		default:
			keys = append(keys, yamlKeys(ft, prefix+name+sep, own)...)
		}
	}
	return keys
}

// documented reports whether key is one of the table's keys (a[] for a
// list a, or its parts a[].x or a.x for one documented as a whole).
func documented(table []string, key string) bool {
	for _, k := range table {
		k = strings.TrimSuffix(k, "[]")
		if k == key || strings.HasPrefix(k, key+".") || strings.HasPrefix(k, key+"[].") {
			return true
		}
	}
	return false
}

// TestConfigKeysInDocs: every key the strict loader accepts is in
// docs/config.md's reference, so a new key cannot ship undocumented (the
// loader refuses unknown keys, and a reader of the docs could not know
// it).
func TestConfigKeysInDocs(t *testing.T) {
	tables := docTables(t)
	tableFor := func(starts []string) []string {
		var out []string
		for label, keys := range tables {
			for _, start := range starts {
				if strings.HasPrefix(label, start) {
					out = append(out, keys...)
				}
			}
		}
		return out
	}
	todo := []reflect.Type{reflect.TypeFor[Edge](), reflect.TypeFor[Aggregator](), reflect.TypeFor[Simcam]()}
	done := map[reflect.Type]bool{}
	for len(todo) > 0 {
		typ := todo[0]
		todo = todo[1:]
		if done[typ] {
			continue
		}
		done[typ] = true
		table := tableFor(tableOf[typ])
		if len(table) == 0 {
			t.Errorf("docs/config.md has no table after a line starting %q (for %s)", tableOf[typ][0], typ.Name())
			continue
		}
		own := map[reflect.Type]bool{}
		for _, key := range yamlKeys(typ, "", own) {
			if !documented(table, key) {
				t.Errorf("docs/config.md, table %q: key `%s` (%s) is not documented", tableOf[typ][0], key, typ.Name())
			}
		}
		for ft := range own {
			todo = append(todo, ft)
		}
	}
}

// allPaths lists every key path of a config type, nested types included
// (cameras[].motion.sensitivity, defaults.clips.pre_roll).
func allPaths(typ reflect.Type, prefix string, out map[string]bool) {
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		sep := "."
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft, sep = ft.Elem(), "[]."
		}
		out[prefix+name] = true
		if ft.Kind() == reflect.Struct && !slices.Contains(leafTypes, ft) {
			allPaths(ft, prefix+name+sep, out)
		}
	}
}

// TestDocsNameRealConfigKeys: a `section.key` the README or docs/ name,
// for a section of the edge's or the aggregator's config, is a key the
// loader knows (a renamed or misspelt key in the docs would send an
// operator to a key the strict loader refuses).
func TestDocsNameRealConfigKeys(t *testing.T) {
	paths := map[string]bool{}
	allPaths(reflect.TypeFor[Edge](), "", paths)
	allPaths(reflect.TypeFor[Aggregator](), "", paths)
	sections := map[string]bool{}
	for p := range paths {
		if head, _, ok := strings.Cut(p, "."); ok {
			sections[head] = true
		}
	}
	known := func(tok string) bool {
		tok = strings.TrimSuffix(tok, "[]")
		for p := range paths {
			if p == tok || strings.HasSuffix(p, "."+tok) {
				return true
			}
		}
		return false
	}
	// Permissions (alerts.read) and file names (auth.conf) share the shape.
	notKeys := regexp.MustCompile(`\.(read|write|handle|export|manage|arm|reload|close|md|conf|jsonl|yaml)$`)
	tick := regexp.MustCompile("`([a-z_]+(?:\\.[a-z_\\[\\]]+)+)`")
	files, _ := filepath.Glob("../docs/*.md")
	checked := 0
	for _, f := range append(files, "../README.md") {
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tick.FindAllStringSubmatch(string(doc), -1) {
			tok := m[1]
			head, _, _ := strings.Cut(tok, ".")
			if !sections[head] || notKeys.MatchString(tok) {
				continue
			}
			checked++
			if !known(tok) {
				t.Errorf("%s names `%s`, which is not a config key", f, tok)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked %d key names in the docs: the pattern no longer finds them", checked)
	}
}
