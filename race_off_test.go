//go:build !race

package happn_test

// raceAllocs: see race_on_test.go.
const raceAllocs = 0
