package jsonobj

import (
	"errors"
	"testing"
)

func TestMergeShallow(t *testing.T) {
	for _, tc := range []struct{ old, patch, want string }{
		{`{"x":1,"y":2}`, `{"y":3,"z":4}`, `{"x":1,"y":3,"z":4}`},
		{`{}`, `{"a":[1,{"b":2}]}`, `{"a":[1,{"b":2}]}`},
		{`{"a":{"deep":1}}`, `{"a":{"other":2}}`, `{"a":{"other":2}}`}, // shallow: a is replaced
		{`{"a":1}`, `{"a":2,"a":3}`, `{"a":3}`},                        // the last duplicate wins, as JSON.parse
		{`{"k\"q":1}`, `{"n":null}`, `{"k\"q":1,"n":null}`},
	} {
		if got := string(MergeShallow([]byte(tc.old), []byte(tc.patch))); got != tc.want {
			t.Errorf("MergeShallow(%s, %s) = %s, want %s", tc.old, tc.patch, got, tc.want)
		}
	}
}

func TestIncrementGauge(t *testing.T) {
	for _, tc := range []struct {
		old   string
		gauge string
		by    float64
		want  string
		value float64
	}{
		{"", "hits", 5, `{"hits":{"value":5}}`, 5},
		{`{"hits":{"value":5},"other":1}`, "hits", 2, `{"hits":{"value":7},"other":1}`, 7},
		{`{"a":1}`, "b.c", 0.5, `{"a":1,"b.c":{"value":0.5}}`, 0.5}, // a dotted name is one key
		{`{"hits":{"value":null}}`, "hits", 1, `{"hits":{"value":1}}`, 1},
	} {
		var old []byte
		if tc.old != "" {
			old = []byte(tc.old)
		}
		got, v, err := IncrementGauge(old, tc.gauge, tc.by)
		if err != nil || string(got) != tc.want || v != tc.value {
			t.Errorf("IncrementGauge(%s, %q, %v) = %s, %v, %v; want %s, %v", tc.old, tc.gauge, tc.by, got, v, err, tc.want, tc.value)
		}
	}
	if _, _, err := IncrementGauge([]byte(`{"hits":{"value":"x"}}`), "hits", 1); !errors.Is(err, ErrNotNumber) {
		t.Errorf("incrementing a string: err = %v, want ErrNotNumber", err)
	}
}

func TestAppendNumber(t *testing.T) {
	for f, want := range map[float64]string{3: "3", -2: "-2", 0.25: "0.25", 1e21: "1e+21", 1.5e300: "1.5e+300"} {
		if got := string(AppendNumber(nil, f)); got != want {
			t.Errorf("AppendNumber(%v) = %s, want %s", f, got, want)
		}
	}
}
