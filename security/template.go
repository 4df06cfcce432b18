package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrIllegalTemplateValue is wrapped by the errors of ExpandTemplates for
// a substitution that would widen a permission or that has no string form.
var ErrIllegalTemplateValue = errors.New("security: illegal permission template value")

// ExpandTemplates returns p with its templated patterns filled in from
// ctx, the way happn-3 personalises group permissions per session
// (SPEC §7.2):
//
//	"/gauges/{{user.username}}/*"       → "/gauges/alice/*"
//	"/custom/{{user.custom_data.site}}" → one pattern per element when site is an array
//
// A placeholder names a dot-separated path into ctx, e.g. "user.username"
// or "user.custom_data.sites.0"; ctx is typically
// {"user": {"username": …, "custom_data": …}}. Values may be strings,
// numbers, booleans, arrays of those, or json.RawMessage holding such
// JSON. A pattern with several placeholders expands to every combination.
//
// A pattern whose placeholder has no value (missing, null or an empty
// array) grants nothing and is dropped, as in happn-3. A value containing
// '*' would let a user widen their own permissions by editing their
// data, so the pattern is dropped and reported; so is a value that is an
// object. The result always holds every pattern that expanded cleanly;
// err, when not nil, joins one error wrapping ErrIllegalTemplateValue per
// dropped pattern, for the caller to log (happn-3 logged and went on) or
// refuse. Patterns that expand to the same string are merged.
func ExpandTemplates(p Permissions, ctx map[string]any) (Permissions, error) {
	out := make(Permissions, len(p))
	var errs []error
	for _, pattern := range p.sortedPaths() {
		perm := p[pattern]
		expanded, err := expandPattern(pattern, ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range expanded {
			out.add(e, perm)
		}
	}
	return out, errors.Join(errs...)
}

// maxTemplateExpansion bounds the paths one templated pattern may expand
// to: several array placeholders multiply.
const maxTemplateExpansion = 10_000

// templatePart is a literal run of a pattern or, when key is set, a
// placeholder.
type templatePart struct {
	literal, key string
}

// parseTemplate splits pattern into literals and "{{key}}" placeholders
// in one pass, so text substituted for one placeholder is never read as
// another. Like happn-3's /\{\{(.*?)\}\}/ a key ends at the first "}}"
// and cannot span a line break; an unclosed "{{" is literal.
func parseTemplate(pattern string) []templatePart {
	var parts []templatePart
	lit := 0
	for i := 0; ; {
		open := strings.Index(pattern[i:], "{{")
		if open < 0 {
			break
		}
		open += i
		end := strings.Index(pattern[open+2:], "}}")
		if end < 0 {
			break
		}
		key := pattern[open+2 : open+2+end]
		if strings.ContainsAny(key, "\r\n\u2028\u2029") {
			i = open + 1
			continue
		}
		parts = append(parts, templatePart{literal: pattern[lit:open]}, templatePart{key: key})
		i = open + 2 + end + 2
		lit = i
	}
	return append(parts, templatePart{literal: pattern[lit:]})
}

// expandPattern returns every substitution of pattern's placeholders.
// A key used twice takes the same value in both places, as happn-3's
// replace-all does.
func expandPattern(pattern string, ctx map[string]any) ([]string, error) {
	if !strings.Contains(pattern, "{{") {
		return []string{pattern}, nil
	}
	parts := parseTemplate(pattern)
	var keys []string
	values := map[string][]string{}
	total := 1
	for _, part := range parts {
		if part.key == "" {
			continue
		}
		if _, seen := values[part.key]; seen {
			continue
		}
		v, err := templateValues(lookup(ctx, part.key))
		if err != nil {
			return nil, fmt.Errorf("%w: permission path %q, key %q: %v", ErrIllegalTemplateValue, pattern, part.key, err)
		}
		if len(v) == 0 {
			return nil, nil
		}
		if total *= len(v); total > maxTemplateExpansion {
			return nil, fmt.Errorf("%w: permission path %q expands to more than %d paths", ErrIllegalTemplateValue, pattern, maxTemplateExpansion)
		}
		keys = append(keys, part.key)
		values[part.key] = v
	}
	// Count through every combination, the last key fastest.
	results := make([]string, 0, total)
	choice := make(map[string]int, len(keys))
	var b strings.Builder
	for {
		b.Reset()
		for _, part := range parts {
			if part.key == "" {
				b.WriteString(part.literal)
			} else {
				b.WriteString(values[part.key][choice[part.key]])
			}
		}
		results = append(results, b.String())
		k := len(keys) - 1
		for ; k >= 0; k-- {
			if choice[keys[k]]++; choice[keys[k]] < len(values[keys[k]]) {
				break
			}
			choice[keys[k]] = 0
		}
		if k < 0 {
			return results, nil
		}
	}
}

// lookup follows a key such as "user.custom_data.sites[0]" through maps
// and arrays, as lodash's _.get does. It returns nil when a step is
// missing.
func lookup(v any, key string) any {
	for _, step := range keySteps(key) {
		v = decodeRaw(v)
		switch x := v.(type) {
		case map[string]any:
			v = x[step]
		case map[string]string:
			s, ok := x[step]
			if !ok {
				return nil
			}
			v = s
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		case []string:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return decodeRaw(v)
}

// keySteps splits a lodash property path: dots separate steps, and
// [0], ["name"] or ['name'] is a step of its own.
func keySteps(key string) []string {
	var steps []string
	for {
		i := strings.IndexAny(key, ".[")
		if i < 0 {
			return append(steps, key)
		}
		if key[i] == '.' {
			steps = append(steps, key[:i])
			key = key[i+1:]
			continue
		}
		end := strings.IndexByte(key[i:], ']')
		if end < 0 {
			return append(steps, key) // an unclosed '[' is literal
		}
		if i > 0 {
			steps = append(steps, key[:i])
		}
		inner := key[i+1 : i+end]
		if len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0] {
			inner = inner[1 : len(inner)-1]
		}
		steps = append(steps, inner)
		key = key[i+end+1:]
		if key == "" {
			return steps
		}
		key = strings.TrimPrefix(key, ".") // "a[0].b"
	}
}

// decodeRaw turns JSON text into the values lookup walks.
func decodeRaw(v any) any {
	raw, ok := v.(json.RawMessage)
	if !ok {
		return v
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep 12345678901234567890 as written
	if dec.Decode(&out) != nil {
		return nil
	}
	return out
}

// templateValues returns the strings one placeholder stands for.
func templateValues(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, err := templateString(decodeRaw(e))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case []string:
		for _, s := range x {
			if strings.Contains(s, "*") {
				return nil, fmt.Errorf("value %q contains '*'", s)
			}
		}
		return x, nil
	}
	s, err := templateString(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// templateString formats a scalar as JavaScript's String() would.
func templateString(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(x), 'f', -1, 32)
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case int32:
		s = strconv.FormatInt(int64(x), 10)
	case uint:
		s = strconv.FormatUint(uint64(x), 10)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case uint32:
		s = strconv.FormatUint(uint64(x), 10)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", fmt.Errorf("value of type %T", v)
	}
	if strings.Contains(s, "*") {
		return "", fmt.Errorf("value %q contains '*'", s)
	}
	return s, nil
}
