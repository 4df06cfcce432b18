package pubsub

import "strconv"

// Action is the kind of event, or the kind of events a subscription wants.
//
// The zero value is All, as happn's event_type defaults to "all".
type Action uint8

const (
	// All subscribes to both sets and removes (channel prefix "/ALL@").
	All Action = iota
	// Set is a set event, or a subscription to sets only ("/SET@").
	Set
	// Remove is a remove event, or a subscription to removes only ("/REMOVE@").
	Remove

	numActions = 3
)

// String returns the action as it appears in a happn channel: "ALL", "SET"
// or "REMOVE".
func (a Action) String() string {
	switch a {
	case All:
		return "ALL"
	case Set:
		return "SET"
	case Remove:
		return "REMOVE"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}
