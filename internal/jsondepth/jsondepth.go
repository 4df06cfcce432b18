// Package jsondepth measures how deeply a JSON text nests, in one pass and
// without recursion, so that a parser can refuse hostile input (a frame
// of a million '[') before anything recurses into it.
package jsondepth

// Of returns the deepest nesting of arrays and objects in b, ignoring
// brackets inside strings. b is expected to be valid JSON; for other text
// the result is only an estimate, which is all a limit needs.
func Of(b []byte) int {
	d, deepest := 0, 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			d++
			if d > deepest {
				deepest = d
			}
		case '}', ']':
			d--
		}
	}
	return deepest
}
