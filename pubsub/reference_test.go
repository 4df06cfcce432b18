package pubsub

import (
	"fmt"
	"slices"
	"strings"
)

// This file is a slow, obviously-correct matcher that the trie is checked
// against: it splits strings and compares segment lists, entry by entry.

type refEntry struct {
	action  Action
	pattern string
	depth   int
	v       int
}

// refMatch reports whether an event (action, path) reaches e, and the depth
// Match should yield with it.
func refMatch(e refEntry, action Action, path string) (bool, int) {
	if e.pattern == "*" {
		return true, 0
	}
	if action > Remove {
		action = All
	}
	if e.action != All && e.action != action {
		return false, 0
	}
	ps := strings.Split(strings.TrimPrefix(e.pattern, "/"), "/")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if ps[len(ps)-1] == "**" { // variable depth
		prefix := ps[:len(ps)-1]
		d := e.depth
		if d <= 0 {
			d = DefaultDepth
		}
		extra := len(segs) - len(prefix)
		if extra < 1 || extra > d || !refSegs(prefix, segs[:len(prefix)]) {
			return false, 0
		}
		return true, d
	}
	return len(ps) == len(segs) && refSegs(ps, segs), 0
}

func refSegs(pattern, segs []string) bool {
	for i := range pattern {
		if pattern[i] != "*" && pattern[i] != segs[i] {
			return false
		}
	}
	return true
}

// refResults lists the matches of every entry as sorted "v:depth" strings.
func refResults(entries []refEntry, action Action, path string) []string {
	var out []string
	for _, e := range entries {
		if ok, d := refMatch(e, action, path); ok {
			out = append(out, fmt.Sprintf("%d:%d", e.v, d))
		}
	}
	slices.Sort(out)
	return out
}

// ixResults lists what ix.Match yields in the same form.
func ixResults(ix *Index[int], action Action, path string) []string {
	var out []string
	ix.Match(action, path, func(v, d int) bool {
		out = append(out, fmt.Sprintf("%d:%d", v, d))
		return true
	})
	slices.Sort(out)
	return out
}
