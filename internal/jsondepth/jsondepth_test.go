package jsondepth

import (
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	for _, c := range []struct {
		json string
		want int
	}{
		{`1`, 0},
		{`"[[{"`, 0},
		{`{}`, 1},
		{`{"a":[1,{"b":[]}]}`, 4},
		{`[[],[[]]]`, 3},
		{`{"a":"\"[[[","b":[1]}`, 2},
		{`["\\",[0]]`, 2},
		{strings.Repeat("[", 1000) + strings.Repeat("]", 1000), 1000},
	} {
		if got := Of([]byte(c.json)); got != c.want {
			t.Errorf("Of(%.40s) = %d, want %d", c.json, got, c.want)
		}
	}
}
