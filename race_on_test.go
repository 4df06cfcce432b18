//go:build race

package happn_test

// raceAllocs is how many more allocations a call may make under the race
// detector, whose instrumentation keeps a value or two off the stack.
const raceAllocs = 1
