package main

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
		ok   bool
	}{
		{"plain", "1234 (happn) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 100 0 0", 325 * clockTick, true},
		{"name with spaces and parens", "99 (a (b) c) R 1 2 3 0 -1 0 0 0 0 0 7 3 0 0", 10 * clockTick, true},
		{"cut short", "99 (x) R 1 2", 0, false},
		{"no name", "garbage", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.line)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("parseStat = %v, %v; want %v, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestSeqOf(t *testing.T) {
	tests := []struct {
		data string
		want int64
		ok   bool
	}{
		{`{"seq":0}`, 0, true},
		{`{"seq":12345}`, 12345, true},
		{`{"seq":}`, 0, false},
		{`{"n":1}`, 0, false},
		{``, 0, false},
	}
	for _, tt := range tests {
		got, ok := seqOf([]byte(tt.data))
		if got != tt.want || ok != tt.ok {
			t.Errorf("seqOf(%s) = %d, %v; want %d, %v", tt.data, got, ok, tt.want, tt.ok)
		}
	}
}
