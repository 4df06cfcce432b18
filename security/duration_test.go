package security

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		// The examples of happn-3's docs and default profiles.
		{"7 days", 7 * 24 * time.Hour},
		{"1 hour", time.Hour},
		{"4 seconds", 4 * time.Second},
		{"10 minutes", 10 * time.Minute},
		// The npm package "ms": every unit spelling, case, spacing, decimals.
		{"2h", 2 * time.Hour},
		{"500ms", 500 * time.Millisecond},
		{"500", 500 * time.Millisecond},
		{"1.5h", 90 * time.Minute},
		{".5s", 500 * time.Millisecond},
		{"1 msec", time.Millisecond},
		{"2 msecs", 2 * time.Millisecond},
		{"3 millisecond", 3 * time.Millisecond},
		{"3 milliseconds", 3 * time.Millisecond},
		{"1s", time.Second}, {"1 sec", time.Second}, {"2 secs", 2 * time.Second}, {"1 second", time.Second},
		{"1m", time.Minute}, {"1 min", time.Minute}, {"2 mins", 2 * time.Minute}, {"1 minute", time.Minute},
		{"1h", time.Hour}, {"1 hr", time.Hour}, {"2 hrs", 2 * time.Hour}, {"2 hours", 2 * time.Hour},
		{"1d", 24 * time.Hour}, {"1 day", 24 * time.Hour},
		{"1w", 7 * 24 * time.Hour}, {"1 week", 7 * 24 * time.Hour}, {"2 weeks", 14 * 24 * time.Hour},
		{"1y", 8766 * time.Hour}, {"1 yr", 8766 * time.Hour}, {"1 yrs", 8766 * time.Hour}, {"1 year", 8766 * time.Hour}, {"2 years", 2 * 8766 * time.Hour},
		{"1 HOUR", time.Hour},
		{"1H", time.Hour},
		{"1   h", time.Hour},
		{"5 ", 5 * time.Millisecond},
		{"0", 0},
		{"0 days", 0},
		{"Infinity", 0},
		{"1.5 ms", 1500 * time.Microsecond},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || time.Duration(got) != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, time.Duration(got), err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{
		"", " 5", "h", "5 fortnights", "1.", "1..5s", "--5", "5-", "1e3", "5\th",
		"-1", "-5 minutes", // negative: happn-3 silently meant "no limit"
		"300 years", // past time.Duration
		"NaN", "infinity", strings.Repeat("1", 101),
	} {
		if d, err := ParseDuration(in); !errors.Is(err, ErrBadDuration) {
			t.Errorf("ParseDuration(%q) = %v, %v; want ErrBadDuration", in, d, err)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	var policy struct {
		TTL        Duration `json:"ttl"`
		Inactivity Duration `json:"inactivity_threshold"`
		Other      Duration `json:"other"`
		Null       Duration `json:"null"`
	}
	policy.Null = Duration(time.Hour) // null must reset it
	in := `{"ttl":"7 days","inactivity_threshold":3600000,"other":1.5,"null":null}`
	if err := json.Unmarshal([]byte(in), &policy); err != nil {
		t.Fatal(err)
	}
	if time.Duration(policy.TTL) != 7*24*time.Hour || time.Duration(policy.Inactivity) != time.Hour ||
		time.Duration(policy.Other) != 1500*time.Microsecond || policy.Null != 0 {
		t.Fatalf("decoded %+v", policy)
	}
	out, err := json.Marshal(policy)
	if err != nil || string(out) != `{"ttl":604800000,"inactivity_threshold":3600000,"other":1,"null":0}` {
		t.Fatalf("Marshal = %s, %v", out, err)
	}
	for _, bad := range []string{`"soon"`, `-1`, `true`, `{}`, `1e400`, `"-1h"`} {
		var d Duration
		if err := json.Unmarshal([]byte(bad), &d); !errors.Is(err, ErrBadDuration) {
			t.Errorf("Unmarshal(%s) = %v, want ErrBadDuration", bad, err)
		}
	}
}

func TestDurationOf(t *testing.T) {
	tests := []struct {
		in   any
		want time.Duration
	}{
		{nil, 0},
		{float64(60000), time.Minute},
		{60000, time.Minute},
		{int64(1), time.Millisecond},
		{uint32(2), 2 * time.Millisecond},
		{json.Number("250"), 250 * time.Millisecond},
		{"1 hour", time.Hour},
		{time.Minute, time.Minute},
		{Duration(time.Second), time.Second},
		{json.RawMessage(`"2h"`), 2 * time.Hour},
		{json.RawMessage(`null`), 0},
	}
	for _, tt := range tests {
		got, err := DurationOf(tt.in)
		if err != nil || time.Duration(got) != tt.want {
			t.Errorf("DurationOf(%#v) = %v, %v; want %v", tt.in, time.Duration(got), err, tt.want)
		}
	}
	for _, bad := range []any{-1, -time.Second, "never", true, []any{1}, float64(-0.5)} {
		if _, err := DurationOf(bad); !errors.Is(err, ErrBadDuration) {
			t.Errorf("DurationOf(%#v) error = %v, want ErrBadDuration", bad, err)
		}
	}
}

func TestDurationMethods(t *testing.T) {
	if Duration(0).Limited() || !Duration(time.Millisecond).Limited() {
		t.Error("Limited")
	}
	if Duration(0).String() != "none" || Duration(time.Minute).String() != "1m0s" {
		t.Error("String")
	}
	if Duration(1500*time.Millisecond).Milliseconds() != 1500 {
		t.Error("Milliseconds")
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7 days", "1.5h", ".5s", "-1", "1e3", "Infinity", "500", "1..2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if d != 0 || !errors.Is(err, ErrBadDuration) {
				t.Fatalf("ParseDuration(%q) = %v, %v", s, d, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v: negative", s, d)
		}
		// What parses writes as milliseconds that parse to the same
		// milliseconds.
		b, _ := json.Marshal(d)
		var again Duration
		if err := json.Unmarshal(b, &again); err != nil || again.Milliseconds() != d.Milliseconds() {
			t.Fatalf("%q: %v → %s → %v, %v", s, d, b, again, err)
		}
	})
}
